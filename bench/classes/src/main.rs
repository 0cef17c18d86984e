//! `bench/classes`: issue 13's benchmark. 100 classes of 40 pupils join class sessions and
//! answer their quiz within two minutes, against the release `lanhmang serve` on a fresh demo
//! database, on SQLite and PostgreSQL.
//!
//! The demo teacher signs in through the API and starts one session per class (unmeasured).
//! Then all classes run at once from 127.0.0.1: each class starts within the first seconds,
//! its pupils join within its first 30 s (one POST each, half with a nickname) and, after a
//! think time, send their answers (one POST carrying a choice per question), all within the
//! run. Latency is measured from when a request was due, not when it was sent, so a server
//! that falls behind shows it. `/healthz` is sent at the pupils' average rate in the same run,
//! the baseline. Afterwards every session is read back through the teacher's API and checked
//! against what the pupils were told (joined, answered, every choice's count), then closed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use lanhmang_bench_load::{ServerFiles, port_is_free, run_command, start_server, stop_server};
use lanhmang_store::bench_data::{
    SplitMix64, bench_backend, bench_database_url, load_average, ms, quantile, thousands,
};
use serde_json::{Value, json};
use tokio::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Issue 13: classes of pupils joining class sessions and answering their quiz")]
struct Args {
    /// The `lanhmang` binary (a release build).
    #[arg(long)]
    bin: PathBuf,
    /// Where the SQLite database, the audit key and the server logs go.
    #[arg(long, default_value = "/tmp/lanhmang-bench-classes")]
    data: PathBuf,
    /// A PostgreSQL server URL (trust or password in the URL).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg: String,
    #[arg(long, default_value = "lanhmang_bench_classes")]
    pg_db: String,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// The built-in pupils' lesson every class runs (the demo teacher's school is a primary
    /// school: grades 1–2 or 3–5).
    #[arg(long, default_value = "online_scams-grades_3_5")]
    lesson: String,
    #[arg(long, default_value_t = 100)]
    classes: u32,
    #[arg(long, default_value_t = 40)]
    pupils: u32,
    /// Seconds of the run: every pupil has joined and answered within it.
    #[arg(long, default_value_t = 120)]
    duration: u64,
    /// Seconds over which the classes start.
    #[arg(long, default_value_t = 10)]
    class_spread: u64,
    /// Seconds after its class starts within which each pupil joins.
    #[arg(long, default_value_t = 30)]
    join_spread: u64,
    /// Shortest think time (seconds) between a pupil's join and answers.
    #[arg(long, default_value_t = 40)]
    think_min: u64,
    /// Longest think time (seconds); answers due after the run's last second are sent then.
    #[arg(long, default_value_t = 75)]
    think_max: u64,
    /// Percent of questions a pupil leaves blank (sent as null).
    #[arg(long, default_value_t = 0)]
    skip_percent: u64,
    #[arg(long, default_value_t = 18_510)]
    port: u16,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

/// The goal for joins and answers.
const P95_GOAL: Duration = Duration::from_millis(100);

/// The answers one kind of request got.
#[derive(Default)]
struct Kind {
    statuses: BTreeMap<u16, u64>,
    errors: BTreeMap<String, u64>,
    /// Latency of each answered request from the moment it was due.
    latencies: Vec<Duration>,
}

impl Kind {
    fn record(&mut self, due: Instant, result: &Result<u16, String>) {
        let elapsed = due.elapsed();
        match result {
            Ok(status) => {
                *self.statuses.entry(*status).or_default() += 1;
                self.latencies.push(elapsed);
            }
            Err(e) => *self.errors.entry(e.clone()).or_default() += 1,
        }
    }

    fn requests(&self) -> u64 {
        self.latencies.len() as u64 + self.errors.values().sum::<u64>()
    }

    /// Requests not answered with a 2xx (errors included).
    fn failed(&self) -> u64 {
        self.requests()
            - self
                .statuses
                .iter()
                .filter(|(s, _)| (200..300).contains(*s))
                .map(|(_, n)| n)
                .sum::<u64>()
    }

    fn statuses(&self) -> String {
        let mut parts: Vec<String> = self.statuses.iter().map(|(s, n)| format!("{n}× {s}")).collect();
        for (e, n) in &self.errors {
            parts.push(format!("{n}× error «{e}»"));
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }
}

/// What one class's pupils were told: joins and answers accepted, and per question the count
/// of each choice in the accepted answers.
#[derive(Default, Clone)]
struct ClassCounts {
    joined: i64,
    answered: i64,
    tallies: Vec<Vec<i64>>,
}

#[derive(Default)]
struct Results {
    join: Kind,
    answer: Kind,
    healthz: Kind,
    classes: Vec<ClassCounts>,
}

type Shared = Arc<Mutex<Results>>;

fn lock(r: &Shared) -> std::sync::MutexGuard<'_, Results> {
    // A panicking pupil cannot leave the tallies half-updated in a way that matters here.
    r.lock().unwrap_or_else(|e| e.into_inner())
}

struct Session {
    id: i64,
    code: String,
}

/// Signs in through the API: a bearer token.
async fn sign_in(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "demo.teacher", "password": "lanhmang-demo"}))
        .send()
        .await?;
    let status = r.status();
    let body: Value = r.json().await?;
    match body["token"].as_str() {
        Some(t) if status.is_success() => Ok(t.to_string()),
        _ => bail!("API login for demo.teacher: {status} {body}"),
    }
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

/// The teacher's classes: one session each, started before the run.
async fn start_sessions(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    unit: i64,
    args: &Args,
) -> anyhow::Result<Vec<Session>> {
    let mut sessions = Vec::new();
    for c in 0..args.classes {
        // 3A, 4A, 5A, 3B, …: grades 3 to 5 of the primary school.
        let class_name = format!("{}{}", 3 + c % 3, char::from(b'A' + (c / 3 % 26) as u8));
        let r = client
            .post(format!("{base}/api/v1/sessions"))
            .bearer_auth(token)
            .json(&json!({
                "lesson_id": args.lesson,
                "unit_id": unit,
                "class_name": class_name,
                "pupils_present": args.pupils,
            }))
            .send()
            .await?;
        let status = r.status();
        let body: Value = r.json().await?;
        match (status.as_u16(), body["id"].as_i64(), body["code"].as_str()) {
            (201, Some(id), Some(code)) if body["join_url"].is_string() => sessions.push(Session {
                id,
                code: code.to_string(),
            }),
            _ => bail!("starting the session of class {class_name}: {status} {body}"),
        }
    }
    Ok(sessions)
}

/// One pupil: joins when due, then answers when due (not before the join came back).
#[allow(clippy::too_many_arguments)]
async fn pupil(
    client: reqwest::Client,
    base: Arc<str>,
    code: Arc<str>,
    class: usize,
    join_due: Instant,
    answer_due: Instant,
    mut rng: SplitMix64,
    nickname: Option<String>,
    skip_percent: u64,
    results: Shared,
) {
    tokio::time::sleep_until(join_due).await;
    let mut request = client.post(format!("{base}/api/v1/public/sessions/{code}/join"));
    if let Some(n) = &nickname {
        request = request.json(&json!({"nickname": n}));
    }
    let joined: Result<(u16, Value), String> = async {
        let r = request.send().await.map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        let body = r.json::<Value>().await.unwrap_or(Value::Null);
        Ok((status, body))
    }
    .await;
    lock(&results)
        .join
        .record(join_due, &joined.as_ref().map(|(s, _)| *s).map_err(Clone::clone));
    let Ok((201, body)) = joined else { return };
    let (Some(participant), Some(questions)) = (body["participant"].as_str(), body["questions"].as_array()) else {
        let mut r = lock(&results);
        *r.join
            .errors
            .entry("201 without a participant or questions".into())
            .or_default() += 1;
        return;
    };
    lock(&results).classes[class].joined += 1;
    let answers: Vec<Option<usize>> = questions
        .iter()
        .map(|q| {
            let choices = q["choices"].as_array().map_or(0, Vec::len) as u64;
            (choices > 0 && rng.below(100) >= skip_percent).then(|| rng.below(choices) as usize)
        })
        .collect();
    // A pupil cannot answer before the quiz is on the screen.
    let due = answer_due.max(Instant::now());
    tokio::time::sleep_until(due).await;
    let sent: Result<u16, String> = async {
        let r = client
            .post(format!("{base}/api/v1/public/sessions/{code}/answers"))
            .json(&json!({"participant": participant, "answers": answers}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        // Read to the end: the answer counts once the pupil has the feedback.
        let _ = r.bytes().await;
        Ok(status)
    }
    .await;
    let mut r = lock(&results);
    r.answer.record(due, &sent);
    if sent == Ok(200) {
        let counts = &mut r.classes[class];
        counts.answered += 1;
        if counts.tallies.is_empty() {
            counts.tallies = questions
                .iter()
                .map(|q| vec![0; q["choices"].as_array().map_or(0, Vec::len)])
                .collect();
        }
        for (q, a) in answers.iter().enumerate() {
            if let Some(c) = a {
                counts.tallies[q][*c] += 1;
            }
        }
    }
}

/// The run: every class's pupils, and /healthz at their average rate.
async fn run(base: &str, sessions: &[Session], args: &Args) -> anyhow::Result<(Results, Duration)> {
    let results: Shared = Arc::new(Mutex::new(Results {
        classes: vec![ClassCounts::default(); sessions.len()],
        ..Default::default()
    }));
    let base: Arc<str> = Arc::from(base);
    let start = Instant::now() + Duration::from_millis(500);
    let end = start + Duration::from_secs(args.duration);
    let mut rng = SplitMix64::new(args.seed);
    let mut tasks = tokio::task::JoinSet::new();
    let ms_of = |s: u64| (s * 1000).max(1);
    // The last answers are due a second before the end of the run.
    let last = Duration::from_secs(args.duration.saturating_sub(1));
    for (class, session) in sessions.iter().enumerate() {
        // One client per class: the class's devices share the school's connection pool.
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        let code: Arc<str> = Arc::from(session.code.as_str());
        let class_start = Duration::from_millis(rng.below(ms_of(args.class_spread)));
        for p in 0..args.pupils {
            let join_at = (class_start + Duration::from_millis(rng.below(ms_of(args.join_spread)))).min(last);
            let think = Duration::from_millis(
                args.think_min * 1000 + rng.below(ms_of(args.think_max.saturating_sub(args.think_min))),
            );
            let answer_at = (join_at + think).min(last);
            let nickname = (p % 2 == 0).then(|| format!("Em số {}", p + 1));
            tasks.spawn(pupil(
                client.clone(),
                base.clone(),
                code.clone(),
                class,
                start + join_at,
                start + answer_at,
                SplitMix64::new(args.seed ^ ((class as u64) << 20) ^ u64::from(p) ^ 0xC1A5),
                nickname,
                args.skip_percent,
                results.clone(),
            ));
        }
    }
    // /healthz at the pupils' average rate (a join and an answers request each), evenly spaced.
    let pupil_requests = 2 * u64::from(args.classes) * u64::from(args.pupils);
    let every = Duration::from_secs_f64(args.duration as f64 / pupil_requests.max(1) as f64);
    let healthz = {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        let url = format!("{base}/healthz");
        let results = results.clone();
        tokio::spawn(async move {
            let mut sends = tokio::task::JoinSet::new();
            let mut due = start;
            while due < end {
                tokio::time::sleep_until(due).await;
                let (client, url, results) = (client.clone(), url.clone(), results.clone());
                sends.spawn(async move {
                    let got = match client.get(&url).send().await {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let _ = r.bytes().await;
                            Ok(status)
                        }
                        Err(e) => Err(e.to_string()),
                    };
                    lock(&results).healthz.record(due, &got);
                });
                due += every;
            }
            while sends.join_next().await.is_some() {}
        })
    };
    while let Some(r) = tasks.join_next().await {
        r?;
    }
    healthz.await?;
    let took = start.elapsed();
    let results = std::mem::take(&mut *lock(&results));
    Ok((results, took))
}

/// What reading every session back found.
#[derive(Default)]
struct Check {
    /// Answers requests acknowledged (200) but not counted in `answered`.
    answers_lost: i64,
    /// Individual question answers acknowledged but missing from the tallies (or extra).
    choices_lost: i64,
    choices_extra: i64,
    joins_lost: i64,
    /// Sessions whose read-back differs in any way.
    sessions_off: Vec<String>,
    closed: usize,
}

async fn check_and_close(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    sessions: &[Session],
    counts: &[ClassCounts],
) -> anyhow::Result<Check> {
    let mut check = Check::default();
    for (session, sent) in sessions.iter().zip(counts) {
        let view = get_json(client, &format!("{base}/api/v1/sessions/{}", session.id), token).await?;
        let joined = view["joined"].as_i64().context("no joined")?;
        let answered = view["answered"].as_i64().context("no answered")?;
        let questions = view["questions"].as_array().context("no questions")?;
        let mut off = Vec::new();
        if joined != sent.joined {
            off.push(format!("joined {joined}, told {}", sent.joined));
            check.joins_lost += (sent.joined - joined).max(0);
        }
        if answered != sent.answered {
            off.push(format!("answered {answered}, told {}", sent.answered));
            check.answers_lost += (sent.answered - answered).max(0);
        }
        for (q, question) in questions.iter().enumerate() {
            let choices = question["choices"].as_array().context("no choices")?;
            let sent_q = sent.tallies.get(q);
            let mut sum = 0;
            for (c, choice) in choices.iter().enumerate() {
                let count = choice["count"].as_i64().context("no count")?;
                let told = sent_q.and_then(|t| t.get(c)).copied().unwrap_or(0);
                sum += count;
                if count != told {
                    off.push(format!("question {} choice {c}: {count}, told {told}", q + 1));
                    check.choices_lost += (told - count).max(0);
                    check.choices_extra += (count - told).max(0);
                }
            }
            let told: i64 = sent_q.map_or(0, |t| t.iter().sum());
            let counted = question["answered"].as_i64().context("no answered per question")?;
            if counted != told || sum != told {
                off.push(format!(
                    "question {}: answered {counted}, choices sum {sum}, sent {told}",
                    q + 1
                ));
            }
        }
        if !off.is_empty() {
            check
                .sessions_off
                .push(format!("session {} ({}): {}", session.id, session.code, off.join("; ")));
        }
        let r = client
            .post(format!("{base}/api/v1/sessions/{}/close", session.id))
            .bearer_auth(token)
            .send()
            .await?;
        let status = r.status();
        if status.is_success() {
            check.closed += 1;
        } else {
            let body = r.text().await.unwrap_or_default();
            check
                .sessions_off
                .push(format!("session {}: close answered {status} {body}", session.id));
        }
    }
    Ok(check)
}

struct Outcome {
    backend: &'static str,
    results: Results,
    check: Check,
    questions: usize,
    took: Duration,
}

async fn run_backend(args: &Args, backend: &'static str) -> anyhow::Result<Outcome> {
    println!("\n== {backend} ==");
    let files = ServerFiles {
        bin: args.bin.clone(),
        data: args.data.clone(),
    };
    let url = bench_database_url(backend, &args.data.join("classes.db"), &args.pg, &args.pg_db, true).await?;
    run_command(&files, &url, backend, &["migrate"], Duration::from_secs(120)).await?;
    run_command(&files, &url, backend, &["demo"], Duration::from_secs(300)).await?;
    let server = start_server(&files, &url, backend, args.port).await?;
    let base = server.base.clone();
    let result = async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        let token = sign_in(&client, &base).await?;
        let me = get_json(&client, &format!("{base}/api/v1/me"), &token).await?;
        let unit = me["unit_id"].as_i64().context("/api/v1/me without unit_id")?;
        let lesson = get_json(&client, &format!("{base}/api/v1/lessons/{}", args.lesson), &token).await?;
        let questions = lesson["questions"].as_array().map_or(0, Vec::len);
        let sessions = start_sessions(&client, &base, &token, unit, args).await?;
        println!(
            "  demo database; school {unit}; lesson {} ({questions} questions); {} sessions started; load average {}",
            args.lesson,
            sessions.len(),
            load_average()
        );
        let (results, took) = run(&base, &sessions, args).await?;
        println!(
            "  run took {:.1} s; load average {}",
            took.as_secs_f64(),
            load_average()
        );
        let check = check_and_close(&client, &base, &token, &sessions, &results.classes).await?;
        anyhow::Ok(Outcome {
            backend,
            results,
            check,
            questions,
            took,
        })
    }
    .await;
    stop_server(server).await?;
    let outcome = result?;
    let r = &outcome.results;
    println!("  joins: {}", r.join.statuses());
    println!("  answers: {}", r.answer.statuses());
    println!("  /healthz: {}", r.healthz.statuses());
    for off in outcome.check.sessions_off.iter().take(10) {
        println!("  MISMATCH {off}");
    }
    Ok(outcome)
}

fn print_outcomes(outcomes: &[Outcome], args: &Args) -> bool {
    let name = |b: &str| if b == "sqlite" { "SQLite" } else { "PostgreSQL" };
    println!("\n| backend | request kind | requests | p50 ms | p95 ms | p99 ms | max ms | p95 ÷ /healthz p95 |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for o in outcomes {
        let r = &o.results;
        let base = quantile(&r.healthz.latencies, 0.95).as_secs_f64().max(1e-9);
        let rate = 2.0 * f64::from(args.classes) * f64::from(args.pupils) / args.duration as f64;
        for (kind, k) in [
            ("join".to_string(), &r.join),
            ("answers".to_string(), &r.answer),
            (format!("/healthz at {rate:.1} req/s"), &r.healthz),
        ] {
            let p95 = quantile(&k.latencies, 0.95);
            println!(
                "| {} | {kind} | {} | {} | {} | {} | {} | {:.1} |",
                name(o.backend),
                thousands(k.requests() as i64),
                ms(quantile(&k.latencies, 0.5)),
                ms(p95),
                ms(quantile(&k.latencies, 0.99)),
                ms(k.latencies.iter().copied().max().unwrap_or_default()),
                p95.as_secs_f64() / base
            );
        }
    }
    println!(
        "\n| backend | run s | joins 201 | answers 200 | question answers sent | answers lost | question answers lost | \
         joins lost | failed requests | sessions closed |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut ok = true;
    for o in outcomes {
        let r = &o.results;
        let sent: i64 = r.classes.iter().flat_map(|c| c.tallies.iter().flatten()).sum();
        let failed = r.join.failed() + r.answer.failed() + r.healthz.failed();
        println!(
            "| {} | {:.1} | {} | {} | {} | {} | {} | {} | {failed} | {} |",
            name(o.backend),
            o.took.as_secs_f64(),
            thousands(r.join.statuses.get(&201).copied().unwrap_or(0) as i64),
            thousands(r.answer.statuses.get(&200).copied().unwrap_or(0) as i64),
            thousands(sent),
            o.check.answers_lost,
            o.check.choices_lost,
            o.check.joins_lost,
            o.check.closed
        );
    }
    println!();
    for o in outcomes {
        let r = &o.results;
        for (kind, k) in [("join", &r.join), ("answers", &r.answer)] {
            let p95 = quantile(&k.latencies, 0.95);
            let pass = p95 < P95_GOAL && !k.latencies.is_empty();
            ok &= pass;
            println!(
                "{} {}: {kind} p95 {} ms (goal < {} ms)",
                if pass { "PASS" } else { "FAIL" },
                o.backend,
                ms(p95),
                P95_GOAL.as_millis()
            );
        }
        let expected = u64::from(args.classes) * u64::from(args.pupils);
        let all = r.join.statuses.get(&201) == Some(&expected) && r.answer.statuses.get(&200) == Some(&expected);
        let exact = o.check.sessions_off.is_empty() && o.check.closed == r.classes.len();
        let pass = all && exact;
        ok &= pass;
        println!(
            "{} {}: every pupil joined and answered ({} questions each), every answer counted once, every session closed \
             ({} sessions differ)",
            if pass { "PASS" } else { "FAIL" },
            o.backend,
            o.questions,
            o.check.sessions_off.len()
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
    if args.think_max < args.think_min {
        bail!("--think-max is below --think-min");
    }
    println!(
        "lanhmang bench/classes: {} classes of {} pupils, lesson {}, {} s (classes start within {} s, pupils join within \
         {} s of their class, think {}–{} s); machine: {} cores, load average {}",
        args.classes,
        args.pupils,
        args.lesson,
        args.duration,
        args.class_spread,
        args.join_spread,
        args.think_min,
        args.think_max,
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
