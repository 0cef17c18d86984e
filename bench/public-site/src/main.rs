//! `bench/public-site`: issue 15's benchmark. The public home page of an office with 10,000
//! published stories, against the release `lanhmang serve` on a fresh demo database, on SQLite
//! and PostgreSQL.
//!
//! The stories are generated in SQL beside the demo's units (`Store::generate_public_site_bench`):
//! written at the demo office's schools over a year and published on the office's page. Then
//! three public pages are measured — the office's home (`/trang/{code}`, page 1), its page 50
//! (`?trang=50`, the deepest a reader is likely to go) and one story's page —, each beside a
//! baseline: the very bytes of that page, read once from the server, served as a static file by
//! a minimal server inside this process. The ratio page ÷ static is then what the application's
//! own work costs (queries, rendering, validators, middleware) over moving the same bytes
//! through HTTP on the same machine, in the same run. First one request at a time (latency:
//! the goal is the home page's p95 under 20 ms), then with a few clients at once (throughput),
//! every kind in turn, round-robin, so that what else the machine does weighs on each alike.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::Parser;
use lanhmang_bench_load::{ServerFiles, port_is_free, run_command, start_server, stop_server};
use lanhmang_domain::story::Purpose;
use lanhmang_store::Store;
use lanhmang_store::bench_data::{
    bench_audit_key, bench_backend, bench_database_url, load_average, ms, quantile, thousands,
};
use lanhmang_store::public_site::PublicScope;
use lanhmang_store::public_site_bench::{BENCH_OFFICE_CODE, BenchPhoto, StoryPeople};
use tokio::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Issue 15: an office's public home page with 10,000 published stories, against a static file")]
struct Args {
    /// The `lanhmang` binary (a release build).
    #[arg(long)]
    bin: PathBuf,
    /// Where the SQLite database, the audit key and the server logs go.
    #[arg(long, default_value = "/tmp/lanhmang-bench-public-site")]
    data: PathBuf,
    /// A PostgreSQL server URL (trust or password in the URL).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg: String,
    #[arg(long, default_value = "lanhmang_bench_public_site")]
    pg_db: String,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// The office whose page is measured (the demo's).
    #[arg(long, default_value = "VHXH-ANBINH")]
    office: String,
    /// Stories live on the office's page.
    #[arg(long, default_value_t = 10_000)]
    stories: i64,
    /// Stories published at another office (BENCH-PUBLIC, 20 schools) over the same year: they
    /// share the index of live publications with the measured office's.
    #[arg(long, default_value_t = 0)]
    elsewhere: i64,
    /// The deep page measured beside the home.
    #[arg(long, default_value_t = 50)]
    deep_page: i64,
    /// Measured requests of each kind one at a time (after 20 unmeasured).
    #[arg(long, default_value_t = 300)]
    requests: usize,
    /// Clients at once in the throughput phase.
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Rounds of the throughput phase; each sends `burst` requests of every kind.
    #[arg(long, default_value_t = 10)]
    rounds: usize,
    #[arg(long, default_value_t = 200)]
    burst: usize,
    #[arg(long, default_value_t = 18_530)]
    port: u16,
}

/// The goal for the home page.
const P95_GOAL: Duration = Duration::from_millis(20);
const WARMUP: usize = 20;
/// Stories on one page of the public list (`lanhmang_app::public_site::STORIES_PER_PAGE`).
const PER_PAGE: i64 = 12;
/// Schools of the other office, when stories are published elsewhere too.
const ELSEWHERE_SCHOOLS: i64 = 20;
const HTML: &str = "text/html; charset=utf-8";

/// One page measured, and its static twin.
struct Target {
    name: String,
    /// The application's address (path and query).
    path: String,
    /// The static twin's path on the baseline server.
    static_path: String,
    /// The page as first served: every later answer, from either server, must be these bytes.
    body: Bytes,
}

/// What one kind of request gave.
#[derive(Default)]
struct Samples {
    /// One request at a time.
    latency: Vec<Duration>,
    /// Under `clients` at once: each request's time, and the bursts' summed wall time.
    loaded: Vec<Duration>,
    loaded_wall: Duration,
}

impl Samples {
    fn rate(&self) -> f64 {
        self.loaded.len() as f64 / self.loaded_wall.as_secs_f64().max(1e-9)
    }
}

struct Measured {
    name: String,
    bytes: usize,
    page: Samples,
    file: Samples,
}

struct Outcome {
    backend: &'static str,
    generated: Duration,
    live: i64,
    measured: Vec<Measured>,
    /// Answers that were not 200 with the page's bytes.
    mismatches: Vec<String>,
}

/// A small photo for a quarter of the stories: a JPEG, as the application stores re-encoded
/// uploads (the pages only link to it; the bytes make the database's size realistic).
fn photo() -> anyhow::Result<BenchPhoto> {
    let (w, h) = (480u32, 320u32);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let r = (x * 255 / w) as u8;
        let g = (y * 255 / h) as u8;
        image::Rgb([r, g, ((x ^ y) & 0xff) as u8])
    });
    let mut jpeg = std::io::Cursor::new(Vec::new());
    img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 75))?;
    Ok(BenchPhoto {
        jpeg: jpeg.into_inner(),
        width: i64::from(w),
        height: i64::from(h),
    })
}

/// Serves each target's bytes at its static path on 127.0.0.1 (a port the system picks),
/// with the page's content type and nothing else: the baseline. Gives its base URL.
async fn static_server(targets: &[Target]) -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    let mut router = axum::Router::new();
    for t in targets {
        let body = t.body.clone();
        router = router.route(
            &t.static_path,
            axum::routing::get(move || {
                let body = body.clone();
                async move { ([(axum::http::header::CONTENT_TYPE, HTML)], body) }
            }),
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            eprintln!("the static server stopped: {e}");
        }
    });
    Ok((format!("http://{addr}"), task))
}

/// GETs `url` and reads the whole body; `None` when it is 200 with exactly `expected`, else
/// what differed.
async fn fetch(client: &reqwest::Client, url: &str, expected: &[u8]) -> anyhow::Result<Option<String>> {
    let r = client.get(url).send().await?;
    let status = r.status();
    let body = r.bytes().await?;
    Ok(if status.as_u16() == 200 && body.as_ref() == expected {
        None
    } else {
        Some(format!(
            "{url}: {status}, {} bytes against {}",
            body.len(),
            expected.len()
        ))
    })
}

/// Reads a page once and checks it shows what it must.
async fn first_read(client: &reqwest::Client, url: &str, needles: &[String]) -> anyhow::Result<Bytes> {
    let r = client.get(url).send().await?;
    let status = r.status();
    let body = r.bytes().await?;
    if status.as_u16() != 200 {
        bail!("GET {url}: {status}");
    }
    let text = std::str::from_utf8(&body).with_context(|| format!("GET {url}: not UTF-8"))?;
    if let Some(missing) = needles.iter().find(|n| !text.contains(n.as_str())) {
        bail!("GET {url}: the page does not show «{missing}»");
    }
    Ok(body)
}

/// `burst` requests of `url` by `clients` tasks at once (each its share in turn): each
/// request's time and the burst's wall time.
async fn burst(
    client: &reqwest::Client,
    url: &str,
    expected: &Bytes,
    clients: usize,
    burst: usize,
    samples: &mut Samples,
    mismatches: &mut Vec<String>,
) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for c in 0..clients {
        let share = burst / clients + usize::from(c < burst % clients);
        let (client, url, expected) = (client.clone(), url.to_string(), expected.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(share);
            let mut wrong = Vec::new();
            for _ in 0..share {
                let t = Instant::now();
                if let Some(m) = fetch(&client, &url, &expected).await? {
                    wrong.push(m);
                }
                times.push(t.elapsed());
            }
            anyhow::Ok((times, wrong))
        }));
    }
    for task in tasks {
        let (times, wrong) = task.await??;
        samples.loaded.extend(times);
        mismatches.extend(wrong);
    }
    samples.loaded_wall += start.elapsed();
    Ok(())
}

async fn run_backend(args: &Args, backend: &'static str) -> anyhow::Result<Outcome> {
    println!("\n== {backend} ==");
    let files = ServerFiles {
        bin: args.bin.clone(),
        data: args.data.clone(),
    };
    let url = bench_database_url(backend, &args.data.join("public-site.db"), &args.pg, &args.pg_db, true).await?;
    run_command(&files, &url, backend, &["migrate"], Duration::from_secs(120)).await?;
    run_command(&files, &url, backend, &["demo"], Duration::from_secs(300)).await?;
    let store = Store::connect(&url, Some(bench_audit_key())).await?;
    let people = StoryPeople {
        author: "demo.teacher",
        principal: "demo.principal",
        office: "demo.office",
    };
    let photo = photo()?;
    let t = Instant::now();
    if args.elsewhere > 0 {
        store.add_public_bench_office(ELSEWHERE_SCHOOLS).await?;
        let other = store
            .generate_public_site_bench(BENCH_OFFICE_CODE, args.elsewhere, people, &photo, &mut |m| {
                println!("    {BENCH_OFFICE_CODE}: {m} [{:.0} s]", t.elapsed().as_secs_f64())
            })
            .await?;
        println!(
            "  elsewhere: {} stories live on {BENCH_OFFICE_CODE}'s page ({} schools)",
            thousands(other.live),
            other.schools
        );
    }
    let office = args.office.clone();
    let generated = store
        .generate_public_site_bench(&office, args.stories, people, &photo, &mut |m| {
            println!("    {office}: {m} [{:.0} s]", t.elapsed().as_secs_f64())
        })
        .await?;
    let generated_in = t.elapsed();
    let t = Instant::now();
    store.bench_vacuum_analyze(true).await?;
    println!(
        "  {}: {} stories live on the office's page ({} also on their school's, {} with a photo, {} taken down) over {} schools, \
         generated in {:.1} s (VACUUM ANALYZE {:.1} s); load average {}",
        args.office,
        thousands(generated.live),
        thousands(generated.school_site),
        thousands(generated.photos),
        thousands(generated.withdrawn),
        generated.schools,
        generated_in.as_secs_f64(),
        t.elapsed().as_secs_f64(),
        load_average()
    );
    let unit = store
        .unit_by_code(&args.office)
        .await?
        .with_context(|| format!("no unit {}", args.office))?;
    let deep_offset = (args.deep_page - 1) * PER_PAGE;
    for (label, offset) in [("page 1", 0), ("deep page", deep_offset)] {
        println!("  plan of the office's list, {label} (offset {offset}):");
        for line in store
            .bench_explain_published_stories(&unit.ancestry, PER_PAGE, offset)
            .await?
        {
            println!("    {line}");
        }
    }
    // What each page must show, from the store's own query.
    let scope = PublicScope::Subtree(&unit.ancestry);
    let (first, _) = store.published_stories(Purpose::OfficeSite, scope, PER_PAGE, 0).await?;
    let (deep, deep_more) = store
        .published_stories(Purpose::OfficeSite, scope, PER_PAGE, deep_offset)
        .await?;
    if first.len() != PER_PAGE as usize || deep.len() != PER_PAGE as usize {
        bail!("the office's list has fewer than {} stories", args.deep_page * PER_PAGE);
    }
    let story = first
        .iter()
        .find(|s| s.photo_id.is_some())
        .or(first.first())
        .context("no story on the office's page")?;
    let code = &args.office;
    let links = |stories: &[lanhmang_store::public_site::PublishedStory]| -> Vec<String> {
        stories
            .iter()
            .map(|s| format!("href=\"/trang/{code}/cau-chuyen/{}\"", s.id))
            .collect()
    };
    let mut deep_needles = links(&deep);
    if deep_more {
        deep_needles.push(format!("?trang={}", args.deep_page + 1));
    }
    let pages = [
        (
            "home /trang/{code}".to_string(),
            format!("/trang/{code}"),
            links(&first),
        ),
        (
            format!("page {} ?trang={}", args.deep_page, args.deep_page),
            format!("/trang/{code}?trang={}", args.deep_page),
            deep_needles,
        ),
        (
            "story /trang/{code}/cau-chuyen/{id}".to_string(),
            format!("/trang/{code}/cau-chuyen/{}", story.id),
            vec![story.title.clone()],
        ),
    ];
    let server = start_server(&files, &url, backend, args.port).await?;
    let base = server.base.clone();
    let result = async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()?;
        let mut targets = Vec::new();
        for (i, (name, path, needles)) in pages.into_iter().enumerate() {
            let body = first_read(&client, &format!("{base}{path}"), &needles).await?;
            targets.push(Target {
                name,
                path,
                static_path: format!("/static-{i}.html"),
                body,
            });
        }
        let (static_base, static_task) = static_server(&targets).await?;
        let mut measured: Vec<Measured> = targets
            .iter()
            .map(|t| Measured {
                name: t.name.clone(),
                bytes: t.body.len(),
                page: Samples::default(),
                file: Samples::default(),
            })
            .collect();
        let mut mismatches = Vec::new();
        println!(
            "  pages: {}; load average {}",
            targets
                .iter()
                .map(|t| format!("{} {} bytes", t.path, thousands(t.body.len() as i64)))
                .collect::<Vec<_>>()
                .join(", "),
            load_average()
        );
        // One request at a time, every kind in turn, page and file alternating which goes first.
        for i in 0..WARMUP + args.requests {
            for (t, m) in targets.iter().zip(measured.iter_mut()) {
                let page_url = format!("{base}{}", t.path);
                let file_url = format!("{static_base}{}", t.static_path);
                let order = if i % 2 == 0 {
                    [(&page_url, true), (&file_url, false)]
                } else {
                    [(&file_url, false), (&page_url, true)]
                };
                for (u, is_page) in order {
                    let start = Instant::now();
                    let wrong = fetch(&client, u, &t.body).await?;
                    let took = start.elapsed();
                    if let Some(w) = wrong {
                        mismatches.push(w);
                    }
                    if i >= WARMUP {
                        if is_page { &mut m.page } else { &mut m.file }.latency.push(took);
                    }
                }
            }
        }
        println!("  latency measured; load average {}", load_average());
        // Throughput: bursts of `burst` requests by `clients` at once, every kind in turn.
        for round in 0..args.rounds {
            for (t, m) in targets.iter().zip(measured.iter_mut()) {
                let page_url = format!("{base}{}", t.path);
                let file_url = format!("{static_base}{}", t.static_path);
                let first_is_page = round % 2 == 0;
                for is_page in [first_is_page, !first_is_page] {
                    let (u, s) = if is_page {
                        (&page_url, &mut m.page)
                    } else {
                        (&file_url, &mut m.file)
                    };
                    burst(&client, u, &t.body, args.clients, args.burst, s, &mut mismatches).await?;
                }
            }
        }
        println!("  throughput measured; load average {}", load_average());
        static_task.abort();
        mismatches.dedup();
        anyhow::Ok(Outcome {
            backend,
            generated: generated_in,
            live: generated.live,
            measured,
            mismatches,
        })
    }
    .await;
    stop_server(server).await?;
    store.close().await;
    result
}

fn print_outcomes(outcomes: &[Outcome], args: &Args) -> bool {
    let name = |b: &str| if b == "sqlite" { "SQLite" } else { "PostgreSQL" };
    println!(
        "\n| backend | request (one at a time) | bytes | requests | p50 ms | p95 ms | p99 ms | max ms | static file p50 ms | static file p95 ms | p95 ÷ static p95 |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for o in outcomes {
        for m in &o.measured {
            let (p, f) = (&m.page.latency, &m.file.latency);
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} |",
                name(o.backend),
                m.name,
                thousands(m.bytes as i64),
                p.len(),
                ms(quantile(p, 0.5)),
                ms(quantile(p, 0.95)),
                ms(quantile(p, 0.99)),
                ms(p.iter().copied().max().unwrap_or_default()),
                ms(quantile(f, 0.5)),
                ms(quantile(f, 0.95)),
                quantile(p, 0.95).as_secs_f64() / quantile(f, 0.95).as_secs_f64().max(1e-9)
            );
        }
    }
    println!(
        "\n| backend | request ({} clients at once) | requests | page req/s | static file req/s | page ÷ static | page p50 / p95 ms | static p50 / p95 ms |",
        args.clients
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for o in outcomes {
        for m in &o.measured {
            let (p, f) = (&m.page, &m.file);
            println!(
                "| {} | {} | {} | {} | {} | {:.3} | {} / {} | {} / {} |",
                name(o.backend),
                m.name,
                thousands(p.loaded.len() as i64),
                thousands(p.rate().round() as i64),
                thousands(f.rate().round() as i64),
                p.rate() / f.rate().max(1e-9),
                ms(quantile(&p.loaded, 0.5)),
                ms(quantile(&p.loaded, 0.95)),
                ms(quantile(&f.loaded, 0.5)),
                ms(quantile(&f.loaded, 0.95)),
            );
        }
    }
    println!();
    let mut ok = true;
    for o in outcomes {
        let Some(home) = o.measured.first() else {
            ok = false;
            continue;
        };
        let p95 = quantile(&home.page.latency, 0.95);
        let pass = p95 < P95_GOAL && home.page.latency.len() == args.requests;
        ok &= pass;
        println!(
            "{} {}: home page of an office with {} stories p95 {} ms (goal < {} ms); {} req/s with {} clients = {:.3} of the same {} bytes as a static file ({} req/s); data generated in {:.1} s",
            if pass { "PASS" } else { "FAIL" },
            o.backend,
            thousands(o.live),
            ms(p95),
            P95_GOAL.as_millis(),
            thousands(home.page.rate().round() as i64),
            args.clients,
            home.page.rate() / home.file.rate().max(1e-9),
            thousands(home.bytes as i64),
            thousands(home.file.rate().round() as i64),
            o.generated.as_secs_f64()
        );
        let pass = o.mismatches.is_empty();
        ok &= pass;
        println!(
            "{} {}: every answer 200 with the page's bytes{}",
            if pass { "PASS" } else { "FAIL" },
            o.backend,
            o.mismatches
                .iter()
                .take(5)
                .map(|m| format!("; {m}"))
                .collect::<String>()
        );
    }
    ok
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // reqwest is built without a TLS provider of its own; the servers here are plain HTTP, but
    // a client cannot be built before one is chosen.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if args.stories < PER_PAGE * args.deep_page || args.deep_page < 2 {
        bail!("--stories must fill --deep-page (at least 2) pages of {PER_PAGE}");
    }
    if args.clients < 1 || args.burst < args.clients || args.requests < 1 {
        bail!("--clients, --burst and --requests must be at least 1, and --burst at least --clients");
    }
    println!(
        "lanhmang bench/public-site: {} stories on {}'s page ({} elsewhere), {} requests one at a time and {} × {} with {} clients per kind; machine: {} cores, load average {}",
        thousands(args.stories),
        args.office,
        thousands(args.elsewhere),
        args.requests,
        args.rounds,
        args.burst,
        args.clients,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    port_is_free(args.port)?;
    let mut outcomes = Vec::new();
    for backend in &args.backends {
        let backend = bench_backend(backend).map_err(anyhow::Error::msg)?;
        outcomes.push(run_backend(&args, backend).await?);
    }
    if !print_outcomes(&outcomes, &args) {
        std::process::exit(1);
    }
    Ok(())
}
