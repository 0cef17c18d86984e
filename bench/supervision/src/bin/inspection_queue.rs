//! `bench/supervision` — inspection_queue: a queue of 10,000 full inspections against the
//! fixture web, run by worker processes sharing one PostgreSQL queue.
//!
//! The coordinator (this binary without a subcommand) serves the fixture web in-process on
//! 127.0.0.1 (plain HTTP), and for each run: creates the database `--pg-db` afresh, registers one
//! website per fixture site (one department, offices of 100 schools), queues one full inspection
//! per site ("inspect now" for the department), starts N worker processes — this same binary
//! with the `worker` subcommand, each running `lanhmang_jobs::Worker::run_all` under its own name
//! (host-pid) — and waits until no job is queued or running. Then it counts: jobs done, runs
//! stored, jobs with more than one stored run (`runs_per_job`) and jobs not done.
//!
//! Runs: with 1 worker process, with 2 (throughput ratio), and the kill test: 2 workers with a
//! short lease, one killed with SIGKILL part-way; the other must finish every job, the killed
//! worker's jobs taken again once their lease runs out, and still no job stored twice.

#[path = "../common.rs"]
mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args as ClapArgs, Parser, Subcommand};
use common::{Goals, cores, load_average, thousands};
use lanhmang_fixture_web::{self as fixture_web, FixtureConfig};
use lanhmang_inspect::config::InspectConfig;
use lanhmang_jobs::{JobSettings, Supervision, Worker};
use lanhmang_store::bench_data::{bench_audit_key, open_bench_store, postgres_bench_database};
use lanhmang_store::sites::INSPECT_SITE_JOB;
use lanhmang_store::{AuditContext, Store};
use tokio::sync::watch;

#[derive(Parser, Debug)]
#[command(
    about = "A queue of full inspections against the fixture web, run by 1 and 2 worker processes on PostgreSQL",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum Sub {
    /// One worker process (started by the coordinator).
    Worker(WorkerArgs),
}

/// Limits of one inspection, shared by the coordinator and its workers.
#[derive(ClapArgs, Debug, Clone)]
struct Limits {
    /// Pages crawled per site.
    #[arg(long, default_value_t = 3)]
    max_pages: usize,
    /// External links checked per site.
    #[arg(long, default_value_t = 0)]
    max_external_links: usize,
    /// The whole inspection of one site, seconds.
    #[arg(long, default_value_t = 20)]
    site_timeout: u64,
    /// One request, seconds.
    #[arg(long, default_value_t = 10)]
    request_timeout: u64,
    /// Jobs one worker process runs at once (claim loops).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
}

#[derive(ClapArgs, Debug)]
struct RunArgs {
    /// A PostgreSQL server URL (trust or password in the URL); each run recreates --pg-db there.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg: String,
    #[arg(long, default_value = "lanhmang_bench_queue")]
    pg_db: String,
    /// Fixture sites, each inspected once per run.
    #[arg(long, default_value_t = 10_000)]
    sites: usize,
    /// Worker processes of the throughput runs, in order.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    workers: Vec<usize>,
    /// Lease of the throughput runs, seconds.
    #[arg(long, default_value_t = 60)]
    lease: u64,
    /// Skip the kill test.
    #[arg(long)]
    no_kill_test: bool,
    /// Lease of the kill test, seconds.
    #[arg(long, default_value_t = 5)]
    kill_lease: u64,
    /// The kill test kills the first worker once this share of the jobs is done.
    #[arg(long, default_value_t = 0.3)]
    kill_at: f64,
    /// Longest time one run may take, seconds (then it is stopped and reported as failed).
    #[arg(long, default_value_t = 3600)]
    run_timeout: u64,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    #[command(flatten)]
    limits: Limits,
}

#[derive(ClapArgs, Debug)]
struct WorkerArgs {
    /// The queue's database URL.
    #[arg(long)]
    db: String,
    /// The fixture web's HTTP port (sites are http://…:PORT/).
    #[arg(long)]
    http_port: u16,
    /// Where https:// is tried (a closed port of the fixture: refused at once).
    #[arg(long)]
    https_port: u16,
    /// Lease, seconds.
    #[arg(long)]
    lease: u64,
    /// Longest life of this process, seconds.
    #[arg(long, default_value_t = 3600)]
    max_seconds: u64,
    #[command(flatten)]
    limits: Limits,
}

/// CPU seconds (user + system) used so far by process `pid` ("self" for this one), from
/// /proc/PID/stat.
fn cpu_seconds_of(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which ends with the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // Linux reports clock ticks of USER_HZ, 100 on every architecture it runs on.
    Some(ticks / 100.0)
}

fn cpu_seconds() -> Option<f64> {
    cpu_seconds_of("self")
}

/// Busy and total CPU seconds of the whole machine since boot, from /proc/stat.
fn machine_cpu() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<f64> = line.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal
    let busy = v.first()? + v.get(1)? + v.get(2)? + v.get(5)? + v.get(6)? + v.get(7)?;
    let total = busy + v.get(3)? + v.get(4)?;
    Some((busy / 100.0, total / 100.0))
}

/// CPU seconds of the PostgreSQL backends serving database `db` (their process title names
/// it), followed across samples so that backends that exit in between still count.
#[derive(Default)]
struct PgCpu {
    seen: std::collections::HashMap<String, (f64, f64)>,
}

impl PgCpu {
    fn sample(&mut self, db: &str) {
        let Ok(dir) = std::fs::read_dir("/proc") else { return };
        let needle = format!(" {db} ");
        for entry in dir.flatten() {
            let pid = entry.file_name().to_string_lossy().to_string();
            if !pid.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let Ok(cmd) = std::fs::read_to_string(format!("/proc/{pid}/cmdline")) else {
                continue;
            };
            if !cmd.starts_with("postgres: ") || !cmd.contains(&needle) {
                continue;
            }
            if let Some(cpu) = cpu_seconds_of(&pid) {
                let e = self.seen.entry(pid).or_insert((cpu, cpu));
                e.1 = cpu;
            }
        }
    }

    /// CPU used since the first sample (backends first seen later count from zero).
    fn used(&self, baseline_pids: &std::collections::HashSet<String>) -> f64 {
        self.seen
            .iter()
            .map(|(pid, (first, last))| {
                if baseline_pids.contains(pid) {
                    last - first
                } else {
                    *last
                }
            })
            .sum()
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "host".into())
}

/// The worker process: runs inspection jobs until the queue holds none queued or running.
async fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    lanhmang_inspect::fetch::install_crypto_provider();
    let name = format!("{}-{}", host_name(), std::process::id());
    let store = Arc::new(
        Store::connect(&args.db, Some(bench_audit_key()))
            .await
            .context("worker: connecting")?,
    );
    let config = InspectConfig {
        allow_private_targets: true,
        max_pages: args.limits.max_pages,
        max_external_links: args.limits.max_external_links,
        site_timeout: Duration::from_secs(args.limits.site_timeout),
        request_timeout: Duration::from_secs(args.limits.request_timeout),
        http_port: args.http_port,
        https_port: args.https_port,
        ..InspectConfig::default()
    };
    let settings = JobSettings {
        concurrency: args.limits.concurrency,
        lease: Duration::from_secs(args.lease),
        poll_interval: Duration::from_millis(200),
        ..JobSettings::default()
    };
    let worker = Worker::new(store.clone(), name.clone(), settings)
        .with_supervision(Some(Arc::new(Supervision::new(config, None))));
    let (stop, stop_rx) = watch::channel(false);
    let started = Instant::now();
    let running = tokio::spawn(worker.run_all(stop_rx));
    // Stop once nothing is queued or running (or at the deadline); the jobs in hand finish first.
    let deadline = Duration::from_secs(args.max_seconds);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let states = store.job_states(INSPECT_SITE_JOB).await?;
        let open: i64 = states
            .iter()
            .filter(|(s, _)| s == "queued" || s == "running")
            .map(|(_, n)| n)
            .sum();
        if open == 0 || started.elapsed() >= deadline {
            break;
        }
    }
    let _ = stop.send(true);
    running.await.context("worker tasks")?;
    println!(
        "    worker {name}: stopped after {:.1} s, cpu_s={:.2}",
        started.elapsed().as_secs_f64(),
        cpu_seconds().unwrap_or(f64::NAN)
    );
    store.close().await;
    Ok(())
}

struct RunResult {
    label: String,
    workers: usize,
    jobs: i64,
    done: i64,
    wall: Duration,
    runs: i64,
    duplicated_jobs: usize,
    not_done: i64,
    taken_again: i64,
    by_worker: Vec<(String, i64)>,
    /// (jobs done when the first worker was killed, seconds into the run)
    killed: Option<(i64, f64)>,
    coordinator_cpu: f64,
    worker_cpu: f64,
    pg_cpu: f64,
    /// Share of the whole machine's CPU time that was busy during the run (all processes).
    machine_busy: f64,
    load_after: String,
}

impl RunResult {
    fn rate(&self) -> f64 {
        self.done as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

fn spawn_worker(args: &RunArgs, db: &str, http_port: u16, https_port: u16, lease: u64) -> anyhow::Result<Child> {
    let exe = std::env::current_exe().context("locating this binary")?;
    let l = &args.limits;
    Command::new(exe)
        .arg("worker")
        .args(["--db", db])
        .args(["--http-port", &http_port.to_string()])
        .args(["--https-port", &https_port.to_string()])
        .args(["--lease", &lease.to_string()])
        .args(["--max-seconds", &args.run_timeout.to_string()])
        .args(["--max-pages", &l.max_pages.to_string()])
        .args(["--max-external-links", &l.max_external_links.to_string()])
        .args(["--site-timeout", &l.site_timeout.to_string()])
        .args(["--request-timeout", &l.request_timeout.to_string()])
        .args(["--concurrency", &l.concurrency.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting a worker process")
}

/// Echoes a worker's output and adds the CPU seconds it reports at exit to `cpu`.
fn follow_output(child: &mut Child, cpu: Arc<std::sync::Mutex<f64>>) {
    use std::io::BufRead;
    let Some(out) = child.stdout.take() else { return };
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(v) = line
                .rsplit_once("cpu_s=")
                .and_then(|(_, v)| v.trim().parse::<f64>().ok())
            {
                *cpu.lock().unwrap_or_else(|p| p.into_inner()) += v;
            }
        }
    });
}

/// One run over a fresh database.
async fn run_queue(
    args: &RunArgs,
    urls: &[String],
    ports: (u16, u16),
    label: &str,
    workers: usize,
    lease: u64,
    kill_at: Option<f64>,
) -> anyhow::Result<RunResult> {
    println!("\n== {label}: {workers} worker process(es), lease {lease} s ==");
    let db = postgres_bench_database(&args.pg, &args.pg_db, true).await?;
    let (store, _) = open_bench_store(&db).await?;
    let t = Instant::now();
    let data = store.register_bench_sites(urls, 100).await?;
    store.bench_vacuum_analyze(false).await?;
    let request = store
        .request_inspection(
            &AuditContext::system("bench/supervision"),
            &data.department_ancestry,
            None,
        )
        .await?;
    let queued: i64 = store
        .job_states(INSPECT_SITE_JOB)
        .await?
        .iter()
        .filter(|(s, _)| s == "queued")
        .map(|(_, n)| n)
        .sum();
    println!(
        "  registered {} sites and queued {} inspections (\"inspect now\" for the department) in {:.1} s",
        thousands(data.sites),
        thousands(queued),
        t.elapsed().as_secs_f64()
    );
    if queued != urls.len() as i64 {
        bail!("{queued} inspections queued for {} sites", urls.len());
    }
    let db_name = args.pg_db.clone();
    let mut pg = PgCpu::default();
    pg.sample(&db_name);
    let pg_baseline: std::collections::HashSet<String> = pg.seen.keys().cloned().collect();
    let machine_before = machine_cpu();
    let worker_cpu = Arc::new(std::sync::Mutex::new(0.0_f64));
    let cpu_before = cpu_seconds().unwrap_or(0.0);
    let started = Instant::now();
    let mut children: Vec<Option<Child>> = (0..workers)
        .map(|_| spawn_worker(args, &db, ports.0, ports.1, lease).map(Some))
        .collect::<anyhow::Result<_>>()?;
    for child in children.iter_mut().flatten() {
        follow_output(child, worker_cpu.clone());
    }
    let mut last_pg_sample = Instant::now();
    let mut killed = None;
    let mut last_print = Instant::now();
    let timeout = Duration::from_secs(args.run_timeout);
    let mut timed_out = false;
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let states = store.job_states(INSPECT_SITE_JOB).await?;
        let count = |name: &str| states.iter().filter(|(s, _)| s == name).map(|(_, n)| *n).sum::<i64>();
        let (open, done) = (count("queued") + count("running"), count("done") + count("failed"));
        if let (Some(share), None) = (kill_at, killed)
            && done as f64 >= share * queued as f64
            && let Some(child) = children.first_mut().and_then(Option::as_mut)
        {
            // Child::kill sends SIGKILL: the worker gets no chance to give its jobs back.
            let used = cpu_seconds_of(&child.id().to_string()).unwrap_or(0.0);
            pg.sample(&db_name);
            child.kill().context("killing the first worker")?;
            *worker_cpu.lock().unwrap_or_else(|p| p.into_inner()) += used;
            let _ = child.wait();
            children[0] = None;
            killed = Some((done, started.elapsed().as_secs_f64()));
            println!(
                "  SIGKILL to the first worker at {:.1} s, {} jobs done, {} running",
                started.elapsed().as_secs_f64(),
                done,
                count("running")
            );
        }
        if last_print.elapsed() >= Duration::from_secs(15) {
            last_print = Instant::now();
            let s = started.elapsed().as_secs_f64();
            println!(
                "  {s:.0} s: {} done, {} running, {} queued ({:.1}/s); progress of the request: {}",
                done,
                count("running"),
                count("queued"),
                done as f64 / s.max(1e-9),
                store
                    .inspection_progress(request)
                    .await?
                    .map_or("?".into(), |p| format!("{}/{}", p.done, p.total))
            );
        }
        if last_pg_sample.elapsed() >= Duration::from_secs(1) || open == 0 {
            last_pg_sample = Instant::now();
            pg.sample(&db_name);
        }
        if open == 0 {
            break;
        }
        let alive = children
            .iter_mut()
            .flatten()
            .map(|c| matches!(c.try_wait(), Ok(None)))
            .filter(|alive| *alive)
            .count();
        if alive == 0 {
            println!("  every worker process has exited with {open} jobs open");
            break;
        }
        if started.elapsed() >= timeout {
            println!("  run timed out after {} s with {open} jobs open", timeout.as_secs());
            timed_out = true;
            break;
        }
    }
    let wall = started.elapsed();
    let machine_after = machine_cpu();
    // The workers notice the empty queue within half a second; bounded wait, then SIGKILL.
    for child in children.iter_mut().flatten() {
        let until = Instant::now() + Duration::from_secs(if timed_out { 1 } else { 60 });
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if matches!(child.try_wait(), Ok(None)) {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
    let coordinator_cpu = cpu_seconds().unwrap_or(0.0) - cpu_before;
    // The output threads have seen the workers' last lines once the processes are gone.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let worker_cpu = *worker_cpu.lock().unwrap_or_else(|p| p.into_inner());
    let machine_busy = match (machine_before, machine_after) {
        (Some((b0, t0)), Some((b1, t1))) if t1 > t0 => (b1 - b0) / (t1 - t0),
        _ => f64::NAN,
    };
    let states = store.job_states(INSPECT_SITE_JOB).await?;
    let count = |name: &str| states.iter().filter(|(s, _)| s == name).map(|(_, n)| *n).sum::<i64>();
    let duplicated_jobs = store.runs_per_job().await?.len();
    let (taken_again, runs) = store.bench_job_attempts(INSPECT_SITE_JOB).await?;
    let by_worker = store.bench_runs_by_worker().await?;
    store.close().await;
    Ok(RunResult {
        label: label.to_string(),
        workers,
        jobs: queued,
        done: count("done"),
        wall,
        runs,
        duplicated_jobs,
        not_done: queued - count("done"),
        taken_again,
        by_worker,
        killed,
        coordinator_cpu,
        worker_cpu,
        pg_cpu: pg.used(&pg_baseline),
        machine_busy,
        load_after: load_average(),
    })
}

async fn coordinate(args: RunArgs) -> anyhow::Result<()> {
    if args.sites == 0 || args.workers.is_empty() || args.workers.iter().any(|w| *w == 0 || *w > 16) {
        bail!("--sites ≥ 1 and 1 ≤ workers ≤ 16");
    }
    lanhmang_inspect::fetch::install_crypto_provider();
    let l = &args.limits;
    println!(
        "lanhmang bench/supervision inspection_queue: {} full inspections per run against the fixture web (plain \
         HTTP), PostgreSQL queue; per worker process {} jobs at once; per site at most {} pages, {} external links, \
         {} s in all, {} s per request",
        thousands(args.sites as i64),
        l.concurrency,
        l.max_pages,
        l.max_external_links,
        l.site_timeout,
        l.request_timeout
    );
    println!("machine: {} cores, load average {}", cores(), load_average());
    let fixture = fixture_web::start(FixtureConfig {
        sites: args.sites,
        http_port: 0,
        tls_port: None,
        seed: args.seed,
    })
    .await
    .context("starting the fixture web")?;
    let ports = (fixture.http_addr.port(), fixture.closed_port());
    let urls: Vec<String> = fixture.manifest.iter().map(|s| s.url.clone()).collect();
    println!(
        "fixture web: {} sites on 127.0.0.1:{} (this process); e.g. {}",
        thousands(urls.len() as i64),
        ports.0,
        urls.first().map_or("", String::as_str)
    );
    let mut results = Vec::new();
    for &w in &args.workers {
        let label = format!("throughput, {w} worker{}", if w == 1 { "" } else { "s" });
        results.push(run_queue(&args, &urls, ports, &label, w, args.lease, None).await?);
    }
    if !args.no_kill_test {
        results.push(run_queue(&args, &urls, ports, "kill test", 2, args.kill_lease, Some(args.kill_at)).await?);
    }
    fixture.shutdown().await;

    println!(
        "\n| run | worker processes | jobs | done | wall s | inspections/s | runs stored | jobs stored twice | jobs not done | jobs taken again | runs per worker | CPU ms per inspection: workers / fixture web / PostgreSQL | machine busy | load after |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---|");
    for r in &results {
        let per: Vec<String> = r.by_worker.iter().map(|(w, n)| format!("{w}: {n}")).collect();
        println!(
            "| {} | {} | {} | {} | {:.1} | {:.1} | {} | {} | {} | {} | {} | {:.1} / {:.1} / {:.1} | {:.0}% | {} |",
            r.label,
            r.workers,
            thousands(r.jobs),
            thousands(r.done),
            r.wall.as_secs_f64(),
            r.rate(),
            thousands(r.runs),
            r.duplicated_jobs,
            r.not_done,
            r.taken_again,
            per.join(", "),
            r.worker_cpu * 1000.0 / r.done.max(1) as f64,
            r.coordinator_cpu * 1000.0 / r.done.max(1) as f64,
            r.pg_cpu * 1000.0 / r.done.max(1) as f64,
            r.machine_busy * 100.0,
            r.load_after
        );
    }
    println!();
    let throughput: Vec<&RunResult> = results
        .iter()
        .filter(|r| r.killed.is_none() && r.label != "kill test")
        .collect();
    if let (Some(one), Some(two)) = (
        throughput.iter().find(|r| r.workers == 1),
        throughput.iter().find(|r| r.workers == 2),
    ) {
        println!(
            "throughput ratio, 2 worker processes vs 1: {:.2}× ({:.1} vs {:.1} inspections/s)",
            two.rate() / one.rate().max(1e-9),
            two.rate(),
            one.rate()
        );
    }
    let mut goals = Goals::default();
    for r in &results {
        goals.check(
            r.duplicated_jobs == 0 && r.not_done == 0 && r.runs == r.jobs,
            format!(
                "{}: {} jobs, {} done, {} runs stored; duplicates = {} jobs stored more than once + {} jobs not done",
                r.label, r.jobs, r.done, r.runs, r.duplicated_jobs, r.not_done
            ),
        );
        if r.label == "kill test" {
            match r.killed {
                Some((done, at)) => goals.check(
                    done < r.jobs && r.not_done == 0,
                    format!(
                        "kill test: first worker killed at {at:.1} s with {done} of {} jobs done; the other finished every \
                         job; {} jobs were taken again after their lease ran out",
                        r.jobs, r.taken_again
                    ),
                ),
                None => goals.check(false, "kill test: the worker was never killed".into()),
            }
        }
    }
    if goals.failed {
        std::process::exit(1);
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    match cli.command {
        Some(Sub::Worker(w)) => runtime.block_on(worker(w)),
        None => runtime.block_on(coordinate(cli.run)),
    }
}
