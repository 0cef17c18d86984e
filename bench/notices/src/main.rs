//! `bench/notices`: issue 14's benchmark. A notice to the parents of 2,000 schools (1,000,000
//! parent accounts), against the release `lanhmang serve` on a fresh demo database, on SQLite
//! and PostgreSQL.
//!
//! The dataset is generated in SQL beside the demo's units (`Store::generate_notices_bench`):
//! an office, its schools, their parents in classes joined with invitations, and the office
//! head who sends. The office head signs in through the API and sends each notice to the
//! parents of every school of the office; the request's latency is measured (it addresses the
//! first recipients itself and leaves the rest to the addressing job), then the time until the
//! workers have addressed every parent and written every notification and mail. Then, with a
//! share of the first notice's recipients marked read and acknowledged in SQL, the sender's
//! page and API view of it are read, round-robin with the baseline (the same counts by counting
//! the recipients, over the bench's own connection) and /healthz.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use lanhmang_bench_load::{ServerFiles, port_is_free, run_command, start_server, stop_server};
use lanhmang_store::Store;
use lanhmang_store::bench_data::{
    bench_audit_key, bench_backend, bench_database_url, load_average, ms, quantile, thousands,
};
use lanhmang_store::notices_bench::{BENCH_SENDER, NoticeDelivered};
use serde_json::{Value, json};
use tokio::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Issue 14: a notice to the parents of thousands of schools")]
struct Args {
    /// The `lanhmang` binary (a release build).
    #[arg(long)]
    bin: PathBuf,
    /// Where the SQLite database, the audit key and the server logs go.
    #[arg(long, default_value = "/tmp/lanhmang-bench-notices")]
    data: PathBuf,
    /// A PostgreSQL server URL (trust or password in the URL).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg: String,
    #[arg(long, default_value = "lanhmang_bench_notices")]
    pg_db: String,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    #[arg(long, default_value_t = 2_000)]
    schools: i64,
    #[arg(long, default_value_t = 500)]
    parents_per_school: i64,
    /// Notices sent, one after the other (each drained before the next).
    #[arg(long, default_value_t = 3)]
    notices: usize,
    /// Most seconds the workers get to drain one notice.
    #[arg(long, default_value_t = 1_800)]
    drain_limit: u64,
    /// Measured requests of each kind for the read counts (after 10 unmeasured).
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Percent of the first notice's recipients marked read, and acknowledged.
    #[arg(long, default_value_t = 30)]
    read_percent: i64,
    #[arg(long, default_value_t = 10)]
    ack_percent: i64,
    #[arg(long, default_value_t = 18_520)]
    port: u16,
}

/// The goals.
const SEND_GOAL: Duration = Duration::from_millis(200);
const P95_GOAL: Duration = Duration::from_millis(50);
/// The demo accounts' password; the generated accounts share the demo head's hash.
const PASSWORD: &str = "lanhmang-demo";
const WARMUP: usize = 10;

struct Sent {
    id: i64,
    latency: Duration,
    /// Addressed by the request itself.
    first: i64,
    addressing: bool,
    /// From the request's return until every recipient was addressed, and told.
    addressed_after: Option<Duration>,
    drained_after: Option<Duration>,
    delivered: Option<NoticeDelivered>,
    /// The sender's view of it (GET /api/v1/notices/{id}) read every half second meanwhile.
    polls: Vec<Duration>,
}

struct Outcome {
    backend: &'static str,
    expected: i64,
    generated: Duration,
    sent: Vec<Sent>,
    page: Vec<Duration>,
    api: Vec<Duration>,
    full: Vec<Duration>,
    healthz: Vec<Duration>,
    /// Read counts disagreeing between the page, the API and the full count.
    mismatches: Vec<String>,
}

async fn sign_in(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": BENCH_SENDER, "password": PASSWORD}))
        .send()
        .await?;
    let status = r.status();
    let body: Value = r.json().await?;
    match body["token"].as_str() {
        Some(t) if status.is_success() => Ok(t.to_string()),
        _ => bail!("API login for {BENCH_SENDER}: {status} {body}"),
    }
}

/// A browser session (cookie) of the sender, signed in through the login form.
async fn browser(base: &str) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()?;
    let page = client.get(format!("{base}/dang-nhap")).send().await?.text().await?;
    let marker = "name=\"_csrf\" value=\"";
    let start = page.find(marker).context("no _csrf on /dang-nhap")? + marker.len();
    let end = page[start..].find('"').context("unterminated _csrf")? + start;
    let csrf = &page[start..end];
    let r = client
        .post(format!("{base}/dang-nhap"))
        .form(&[
            ("_csrf", csrf),
            ("username", BENCH_SENDER),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await?;
    if r.status().as_u16() != 303 {
        bail!("signing in through the form: {}", r.status());
    }
    Ok(client)
}

async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Value> {
    let r = client.get(url).bearer_auth(token).send().await?;
    let status = r.status();
    let body: Value = r.json().await.with_context(|| format!("GET {url}"))?;
    if !status.is_success() {
        bail!("GET {url}: {status} {body}");
    }
    Ok(body)
}

/// Sends one notice to the parents of every school of the sender's office; measures the request.
async fn send(client: &reqwest::Client, base: &str, token: &str, n: usize) -> anyhow::Result<Sent> {
    let body = json!({
        "title": format!("Thư gửi cha mẹ học sinh số {}: an toàn trên mạng trong kỳ nghỉ", n + 1),
        "body": "Kính gửi quý phụ huynh,\n\nNhà trường đề nghị quý phụ huynh cùng con thống nhất giờ dùng điện thoại và mạng xã hội trong kỳ nghỉ.",
        "audience": {"roles": ["parent"]},
    });
    let t = Instant::now();
    let r = client
        .post(format!("{base}/api/v1/notices"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    let status = r.status();
    let answer: Value = r.json().await?;
    let latency = t.elapsed();
    match (status.as_u16(), answer["id"].as_i64(), answer["recipients"].as_i64()) {
        (201, Some(id), Some(first)) => Ok(Sent {
            id,
            latency,
            first,
            addressing: answer["addressing"].as_bool().unwrap_or(false),
            addressed_after: None,
            drained_after: None,
            delivered: None,
            polls: Vec::new(),
        }),
        _ => bail!("sending notice {}: {status} {answer}", n + 1),
    }
}

/// Waits (at most `limit`) until the notice is addressed whole and every recipient told.
async fn drain(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    store: &Store,
    sent: &mut Sent,
    limit: Duration,
) -> anyhow::Result<()> {
    let start = Instant::now();
    let until = start + limit;
    let mut last_print = start;
    loop {
        let t = Instant::now();
        let view = get_json(client, &format!("{base}/api/v1/notices/{}", sent.id), token).await?;
        sent.polls.push(t.elapsed());
        let addressing = view["addressing"]
            .as_bool()
            .context("no addressing in the sender's view")?;
        let recipients = view["recipients"].as_i64().unwrap_or(0);
        if !addressing && sent.addressed_after.is_none() {
            sent.addressed_after = Some(start.elapsed());
        }
        // One row through the partial index, not a count of a million: the bench's polling
        // must not slow the workers it times.
        if !addressing && !store.notice_undelivered(sent.id).await? {
            sent.drained_after = Some(start.elapsed());
            return Ok(());
        }
        if last_print.elapsed() >= Duration::from_secs(30) {
            last_print = Instant::now();
            let undelivered = store.bench_undelivered(sent.id).await?;
            println!(
                "    {:.0} s: {} addressed{}, {} not yet told; load average {}",
                start.elapsed().as_secs_f64(),
                thousands(recipients),
                if addressing { " so far" } else { "" },
                thousands(undelivered),
                load_average()
            );
        }
        if Instant::now() > until {
            println!("    not drained within {} s", limit.as_secs());
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn timed<F, Fut>(samples: &mut Vec<Duration>, measured: bool, f: F) -> anyhow::Result<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let t = Instant::now();
    f().await?;
    if measured {
        samples.push(t.elapsed());
    }
    Ok(())
}

async fn run_backend(args: &Args, backend: &'static str) -> anyhow::Result<Outcome> {
    println!("\n== {backend} ==");
    let files = ServerFiles {
        bin: args.bin.clone(),
        data: args.data.clone(),
    };
    let url = bench_database_url(backend, &args.data.join("notices.db"), &args.pg, &args.pg_db, true).await?;
    run_command(&files, &url, backend, &["migrate"], Duration::from_secs(120)).await?;
    run_command(&files, &url, backend, &["demo"], Duration::from_secs(300)).await?;
    let store = Store::connect(&url, Some(bench_audit_key())).await?;
    let t = Instant::now();
    let office = store
        .generate_notices_bench(args.schools, args.parents_per_school, "demo.head", &mut |m| {
            println!("    {m} [{:.0} s]", t.elapsed().as_secs_f64())
        })
        .await?;
    let generated = t.elapsed();
    let t = Instant::now();
    store.bench_vacuum_analyze(false).await?;
    println!(
        "  generated office {} with {} schools and {} parents in {:.1} s (ANALYZE {:.1} s); load average {}",
        office.office_id,
        thousands(office.schools),
        thousands(office.parents),
        generated.as_secs_f64(),
        t.elapsed().as_secs_f64(),
        load_average()
    );
    let expected = office.parents;
    let server = start_server(&files, &url, backend, args.port).await?;
    let base = server.base.clone();
    let result = async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
        let token = sign_in(&client, &base).await?;
        for _ in 0..WARMUP {
            client.get(format!("{base}/healthz")).send().await?.bytes().await?;
        }
        let mut sent = Vec::new();
        for n in 0..args.notices {
            let mut s = send(&client, &base, &token, n).await?;
            println!(
                "  notice {} (id {}): request {} ms, {} addressed by it{}; load average {}",
                n + 1,
                s.id,
                ms(s.latency),
                thousands(s.first),
                if s.addressing { ", the rest by the addressing job" } else { "" },
                load_average()
            );
            drain(&client, &base, &token, &store, &mut s, Duration::from_secs(args.drain_limit)).await?;
            let delivered = store.bench_notice_delivered(s.id).await?;
            println!(
                "    addressed after {} s, drained after {} s: {} recipients, {} notifications, {} mails queued, {} not told",
                s.addressed_after.map_or("-".into(), |d| format!("{:.1}", d.as_secs_f64())),
                s.drained_after.map_or("-".into(), |d| format!("{:.1}", d.as_secs_f64())),
                thousands(delivered.recipients),
                thousands(delivered.notifications),
                thousands(delivered.mails),
                thousands(delivered.undelivered)
            );
            s.delivered = Some(delivered);
            sent.push(s);
        }
        let Some(first) = sent.first().map(|s| s.id) else {
            bail!("no notice sent (--notices 0)");
        };
        let t = Instant::now();
        store.bench_mark_read(first, args.read_percent, args.ack_percent).await?;
        let (units, total, read, acknowledged) = store.bench_full_count(first).await?;
        println!(
            "  notice {first}: {} read, {} acknowledged of {} in {units} schools (marked in {:.1} s)",
            thousands(read),
            thousands(acknowledged),
            thousands(total),
            t.elapsed().as_secs_f64()
        );
        let browser = browser(&base).await?;
        let expected_text = format!("{read}/{total}");
        let mut outcome = Outcome {
            backend,
            expected,
            generated,
            sent: Vec::new(),
            page: Vec::new(),
            api: Vec::new(),
            full: Vec::new(),
            healthz: Vec::new(),
            mismatches: Vec::new(),
        };
        let mut mismatches = Vec::new();
        // Round-robin, so that what else the machine does weighs on every kind alike.
        for i in 0..WARMUP + args.requests {
            let measured = i >= WARMUP;
            timed(&mut outcome.page, measured, || async {
                let r = browser.get(format!("{base}/van-ban/{first}")).send().await?;
                let status = r.status();
                let body = r.text().await?;
                if !status.is_success() || !body.contains(&expected_text) {
                    mismatches.push(format!("page: {status}, without «{expected_text}»"));
                }
                Ok(())
            })
            .await?;
            timed(&mut outcome.api, measured, || async {
                let v = get_json(&client, &format!("{base}/api/v1/notices/{first}"), &token).await?;
                let got = (v["recipients"].as_i64(), v["read"].as_i64(), v["acknowledged"].as_i64());
                if got != (Some(total), Some(read), Some(acknowledged)) {
                    mismatches.push(format!("API: {got:?}"));
                }
                Ok(())
            })
            .await?;
            timed(&mut outcome.full, measured, || async {
                let counted = store.bench_full_count(first).await?;
                if counted != (units, total, read, acknowledged) {
                    mismatches.push(format!("full count: {counted:?}"));
                }
                Ok(())
            })
            .await?;
            timed(&mut outcome.healthz, measured, || async {
                client.get(format!("{base}/healthz")).send().await?.bytes().await?;
                Ok(())
            })
            .await?;
        }
        mismatches.dedup();
        outcome.mismatches = mismatches;
        outcome.sent = sent;
        println!("  read counts measured; load average {}", load_average());
        anyhow::Ok(outcome)
    }
    .await;
    stop_server(server).await?;
    store.close().await;
    result
}

fn print_outcomes(outcomes: &[Outcome], args: &Args) -> bool {
    let name = |b: &str| if b == "sqlite" { "SQLite" } else { "PostgreSQL" };
    let mut ok = true;
    println!(
        "\n| backend | notice | request ms | addressed by the request | addressed after s | drained after s | recipients | notifications | mails queued | recipients/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for o in outcomes {
        for (i, s) in o.sent.iter().enumerate() {
            let d = s.delivered.unwrap_or(NoticeDelivered {
                recipients: 0,
                undelivered: 0,
                notifications: 0,
                mails: 0,
            });
            let rate = s.drained_after.map_or("-".into(), |t| {
                thousands((d.recipients as f64 / t.as_secs_f64().max(1e-9)) as i64)
            });
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {rate} |",
                name(o.backend),
                i + 1,
                ms(s.latency),
                thousands(s.first),
                s.addressed_after
                    .map_or("-".into(), |d| format!("{:.1}", d.as_secs_f64())),
                s.drained_after
                    .map_or("-".into(), |d| format!("{:.1}", d.as_secs_f64())),
                thousands(d.recipients),
                thousands(d.notifications),
                thousands(d.mails),
            );
        }
    }
    println!("\n| backend | notice | GET /api/v1/notices/{{id}} while draining | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for o in outcomes {
        for (i, s) in o.sent.iter().enumerate() {
            println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                name(o.backend),
                i + 1,
                s.polls.len(),
                ms(quantile(&s.polls, 0.5)),
                ms(quantile(&s.polls, 0.95)),
                ms(quantile(&s.polls, 0.99)),
                ms(s.polls.iter().copied().max().unwrap_or_default())
            );
        }
    }
    println!("\n| backend | request | requests | p50 ms | p95 ms | p99 ms | max ms | p95 ÷ full count p95 |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for o in outcomes {
        let base = quantile(&o.full, 0.95).as_secs_f64().max(1e-9);
        for (kind, samples) in [
            ("page /van-ban/{id}", &o.page),
            ("GET /api/v1/notices/{id}", &o.api),
            ("full count (baseline)", &o.full),
            ("/healthz", &o.healthz),
        ] {
            let p95 = quantile(samples, 0.95);
            println!(
                "| {} | {kind} | {} | {} | {} | {} | {} | {:.3} |",
                name(o.backend),
                samples.len(),
                ms(quantile(samples, 0.5)),
                ms(p95),
                ms(quantile(samples, 0.99)),
                ms(samples.iter().copied().max().unwrap_or_default()),
                p95.as_secs_f64() / base
            );
        }
    }
    println!();
    for o in outcomes {
        println!(
            "{}: {} parents generated in {:.1} s (not a goal)",
            o.backend,
            thousands(o.expected),
            o.generated.as_secs_f64()
        );
        for (i, s) in o.sent.iter().enumerate() {
            let pass = s.latency < SEND_GOAL;
            ok &= pass;
            println!(
                "{} {}: notice {} request {} ms (goal < {} ms)",
                if pass { "PASS" } else { "FAIL" },
                o.backend,
                i + 1,
                ms(s.latency),
                SEND_GOAL.as_millis()
            );
            let d = s.delivered.unwrap_or(NoticeDelivered {
                recipients: -1,
                undelivered: -1,
                notifications: -1,
                mails: -1,
            });
            let pass = s.drained_after.is_some()
                && d.recipients == o.expected
                && d.undelivered == 0
                && d.notifications == o.expected
                // Parents of even rank in their school have an address, the others a phone.
                && d.mails == args.schools * ((args.parents_per_school + 1) / 2);
            ok &= pass;
            println!(
                "{} {}: notice {} drained: every parent addressed once and told (a notification each, a mail each with an address)",
                if pass { "PASS" } else { "FAIL" },
                o.backend,
                i + 1
            );
        }
        for (kind, samples) in [("page", &o.page), ("API", &o.api)] {
            let p95 = quantile(samples, 0.95);
            let pass = p95 < P95_GOAL && samples.len() == args.requests;
            ok &= pass;
            println!(
                "{} {}: read counts {kind} p95 {} ms (goal < {} ms)",
                if pass { "PASS" } else { "FAIL" },
                o.backend,
                ms(p95),
                P95_GOAL.as_millis()
            );
        }
        let pass = o.mismatches.is_empty();
        ok &= pass;
        println!(
            "{} {}: the page, the API and the full count agree{}",
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
    // reqwest is built without a TLS provider of its own; the server here is plain HTTP, but a
    // client cannot be built before one is chosen.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if args.schools < 1 || args.parents_per_school < 1 {
        bail!("--schools and --parents-per-school must be at least 1");
    }
    println!(
        "lanhmang bench/notices: {} schools × {} parents, {} notices, {} requests per read-count kind; machine: {} cores, load average {}",
        thousands(args.schools),
        thousands(args.parents_per_school),
        args.notices,
        args.requests,
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
