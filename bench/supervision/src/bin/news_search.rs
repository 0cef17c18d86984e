//! `news_search`: sector-news search over 1,000,000 entries (10,000 schools' sites, three
//! years) on SQLite and PostgreSQL. 200 searches (one word, a two-word phrase, several words,
//! with and without diacritics, within an office, by topic) are timed through the same
//! `Store::search_news` the pages and the API call (count + the newest 20), against a baseline
//! measured in the same run: the same work done by scanning the folded text with LIKE.
//!
//! Every search is also checked against a reference computed in this program from every entry
//! (read once): the words and phrases matched as whole adjacent words of the folded text, the
//! scope by unit paths, a topic by its keywords, the count capped as the store caps it, the
//! newest first or the best first among the newest `RANKED_CANDIDATES`. Any difference is an
//! error (exit status 1).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Parser;
use lanhmang_bench_supervision::{ms, quantile};
use lanhmang_domain::Paging;
use lanhmang_domain::news::{keyword_groups, query_groups, relevance, terms};
use lanhmang_domain::text::fold_vi;
use lanhmang_store::bench_data::{SplitMix64, open_bench_store, postgres_bench_database};
use lanhmang_store::news::{COUNT_CAP, NewsFilter, NewsSort, RANKED_CANDIDATES};
use lanhmang_store::news_bench::NewsBenchRow;
use std::collections::HashMap;

#[derive(Parser, Debug)]
#[command(about = "Sector-news search over a million entries, on SQLite and PostgreSQL")]
struct Args {
    /// A PostgreSQL server URL; the dataset goes into a fresh database --pg-db there.
    #[arg(
        long,
        env = "LANHMANG_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pg: String,
    #[arg(long, default_value = "lanhmang_bench_news")]
    pg_db: String,
    /// Where the temporary SQLite file goes (removed at the end).
    #[arg(long, default_value_os_t = std::env::temp_dir())]
    data: PathBuf,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    #[arg(long, default_value_t = 1_000_000)]
    entries: usize,
    #[arg(long, default_value_t = 10_000)]
    schools: usize,
    #[arg(long, default_value_t = 100)]
    offices: usize,
    /// Measured searches.
    #[arg(long, default_value_t = 200)]
    searches: usize,
    /// Measured baseline scans.
    #[arg(long, default_value_t = 10)]
    scans: usize,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Keep the generated SQLite file and PostgreSQL database, and reuse them when they exist
    /// (for measuring again without generating).
    #[arg(long)]
    keep: bool,
}

/// Words and phrases people type (with diacritics; every other query is typed without them).
const WORDS: &[&str] = &["lừa", "điện", "sách", "Olympic", "đuối", "khen", "giới", "Trung"];
const PHRASES: &[&str] = &[
    "an toàn",
    "đào tạo",
    "điện thoại",
    "mạng xã hội",
    "tin giả",
    "dữ liệu",
    "giao thông",
    "người tốt",
];
const SEVERAL: &[&str] = &[
    "tập huấn giáo viên",
    "ngoại khóa học sinh",
    "tổng kết trường",
    "bắt nạt cha mẹ",
];

struct Query {
    label: &'static str,
    filter: NewsFilter,
    /// The text the baseline scans for.
    scan: Option<String>,
}

fn queries(n: usize, department: i64, offices: &[i64], topics: &[i64], seed: u64) -> Vec<Query> {
    let mut g = SplitMix64::new(seed ^ 0x5EA2C4);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let plain = i % 2 == 1;
        let typed = |t: &str| if plain { fold_vi(t) } else { t.to_string() };
        let pick = |g: &mut SplitMix64, list: &[&'static str]| list[g.below(list.len() as u64) as usize];
        let mut filter = NewsFilter {
            roots: vec![department],
            ..Default::default()
        };
        let (label, scan) = match i % 6 {
            0 => {
                let w = typed(pick(&mut g, WORDS));
                filter.query = Some(w.clone());
                ("one word", Some(w))
            }
            1 => {
                let p = typed(pick(&mut g, PHRASES));
                filter.query = Some(format!("\"{p}\""));
                ("two-word phrase", Some(p))
            }
            2 => {
                let s = typed(pick(&mut g, SEVERAL));
                filter.query = Some(s);
                ("several words", None)
            }
            3 => {
                let p = typed(pick(&mut g, PHRASES));
                filter.query = Some(format!("\"{p}\""));
                filter.unit_id = Some(offices[g.below(offices.len() as u64) as usize]);
                ("phrase in one office", None)
            }
            4 => {
                filter.topic_id = Some(topics[g.below(topics.len() as u64) as usize]);
                ("topic", None)
            }
            _ => {
                let w = typed(pick(&mut g, WORDS));
                filter.query = Some(w);
                filter.topic_id = Some(topics[g.below(topics.len() as u64) as usize]);
                filter.sort = NewsSort::Relevance;
                ("word + topic, by relevance", None)
            }
        };
        out.push(Query { label, filter, scan });
    }
    out
}

/// The entries, tokenised once, for checking each search's answer by a scan.
struct Reference {
    rows: Vec<NewsBenchRow>,
    /// Each entry's folded tokens, as ids into one dictionary.
    tokens: Vec<Vec<u32>>,
    /// Each entry's ancestry (its unit's path as ids).
    ancestry: Vec<Vec<i64>>,
    dictionary: HashMap<String, u32>,
    topics: HashMap<i64, Vec<Vec<String>>>,
}

impl Reference {
    fn new(rows: Vec<NewsBenchRow>, topics: HashMap<i64, Vec<Vec<String>>>) -> Reference {
        let mut dictionary: HashMap<String, u32> = HashMap::new();
        let mut tokens = Vec::with_capacity(rows.len());
        let mut ancestry = Vec::with_capacity(rows.len());
        for r in &rows {
            let ids = terms(&r.folded)
                .into_iter()
                .map(|t| {
                    let next = dictionary.len() as u32;
                    *dictionary.entry(t).or_insert(next)
                })
                .collect();
            tokens.push(ids);
            ancestry.push(
                r.unit_path
                    .as_deref()
                    .map(lanhmang_store::parse_path)
                    .unwrap_or_default(),
            );
        }
        Reference {
            rows,
            tokens,
            ancestry,
            dictionary,
            topics,
        }
    }

    /// A group as token ids; `None` when a token never occurs (the group matches nothing).
    fn ids(&self, group: &[String]) -> Option<Vec<u32>> {
        group.iter().map(|t| self.dictionary.get(t).copied()).collect()
    }

    /// (capped count, ids of the first page) for `filter`, by scanning every entry.
    fn answer(&self, filter: &NewsFilter, page: Paging) -> (i64, Vec<i64>) {
        let has = |tokens: &[u32], g: &[u32]| tokens.windows(g.len()).any(|w| w == g);
        let groups = filter.query.as_deref().map(query_groups).unwrap_or_default();
        let all: Option<Vec<Vec<u32>>> = groups.iter().map(|g| self.ids(g)).collect();
        let Some(all) = all else { return (0, Vec::new()) };
        let any: Option<Vec<Vec<u32>>> = filter.topic_id.map(|t| {
            self.topics
                .get(&t)
                .map(|groups| groups.iter().filter_map(|g| self.ids(g)).collect())
                .unwrap_or_default()
        });
        let (roots, press) = match filter.unit_id {
            Some(u) => (vec![u], false),
            None => (filter.roots.clone(), filter.site_id.is_none()),
        };
        let mut matches: Vec<usize> = (0..self.rows.len())
            .filter(|&i| {
                let r = &self.rows[i];
                let in_scope = self.ancestry[i].iter().any(|a| roots.contains(a)) || (press && r.site_id.is_none());
                in_scope
                    && filter.site_id.is_none_or(|s| r.site_id == Some(s))
                    && all.iter().all(|g| has(&self.tokens[i], g))
                    && any
                        .as_ref()
                        .is_none_or(|any| any.iter().any(|g| has(&self.tokens[i], g)))
            })
            .collect();
        let total = (matches.len() as i64).min(COUNT_CAP + 1);
        matches.sort_by_key(|&i| std::cmp::Reverse((self.rows[i].published_at, self.rows[i].id)));
        if filter.sort == NewsSort::Relevance && !groups.is_empty() {
            let query = fold_vi(filter.query.as_deref().unwrap_or_default());
            let ranked = matches.len().min(RANKED_CANDIDATES as usize);
            // Stable: equal scores stay newest first.
            matches[..ranked].sort_by_key(|&i| {
                let r = &self.rows[i];
                std::cmp::Reverse(relevance(&query, &fold_vi(&r.title), &r.folded))
            });
        }
        let ids = matches
            .iter()
            .skip(page.offset() as usize)
            .take(page.limit() as usize)
            .map(|&i| self.rows[i].id)
            .collect();
        (total, ids)
    }
}

async fn run_backend(args: &Args, backend: &str) -> anyhow::Result<()> {
    let sqlite_file = if args.keep {
        args.data.join("lanhmang-bench-news.db")
    } else {
        args.data.join(format!("lanhmang-bench-news-{}.db", std::process::id()))
    };
    let url = match backend {
        "sqlite" => format!("sqlite://{}", sqlite_file.display()),
        "postgres" => postgres_bench_database(&args.pg, &args.pg_db, !args.keep).await?,
        other => bail!("unknown backend {other} (sqlite or postgres)"),
    };
    let (mut store, _) = open_bench_store(&url).await?;
    if args.keep
        && store
            .news_bench_existing()
            .await?
            .is_some_and(|b| b.entries != args.entries)
    {
        // A kept dataset of another size: start again from an empty database.
        store.close().await;
        let url = match backend {
            "sqlite" => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", sqlite_file.display()));
                }
                url
            }
            _ => postgres_bench_database(&args.pg, &args.pg_db, true).await?,
        };
        store = open_bench_store(&url).await?.0;
    }
    println!("\n## {backend}");
    let t = Instant::now();
    let existing = if args.keep {
        store.news_bench_existing().await?
    } else {
        None
    };
    let bench = match existing {
        Some(b) if b.entries == args.entries => {
            // As the generator leaves it (a no-op when it did).
            store.optimize_news_index().await?;
            println!("reusing the kept dataset");
            b
        }
        _ => {
            store
                .generate_news_bench(args.offices, args.schools, args.entries, args.seed, &mut |m| {
                    println!("  … {m} ({:.0} s)", t.elapsed().as_secs_f64())
                })
                .await?
        }
    };
    let generation = t.elapsed();
    println!(
        "generated {} entries for {} schools in {:.0} s",
        bench.entries,
        bench.schools,
        generation.as_secs_f64()
    );
    if backend == "postgres" {
        // Each process on PostgreSQL answers from its own index (lanhmang_store news_index),
        // built from the entries; the server builds it in the background on the first search.
        let t = Instant::now();
        let n = store.build_news_index().await?;
        println!(
            "search index of this process: {n} entries in {:.0} s",
            t.elapsed().as_secs_f64()
        );
    }
    let topic_list = store.news_topics(&[]).await?;
    let topics: Vec<i64> = topic_list.iter().map(|t| t.id).collect();
    let t = Instant::now();
    let reference = Reference::new(
        store.news_bench_rows().await?,
        topic_list.iter().map(|t| (t.id, keyword_groups(&t.keywords))).collect(),
    );
    println!(
        "reference: {} entries read and tokenised in {:.0} s",
        reference.rows.len(),
        t.elapsed().as_secs_f64()
    );
    let all = queries(args.searches, bench.department, &bench.offices, &topics, args.seed);
    let page = Paging { page: 1, per_page: 20 };
    // Warm the caches the way a running server has them.
    for q in all.iter().take(20) {
        store.search_news(&q.filter, page).await?;
    }
    let mut samples = Vec::with_capacity(all.len());
    let mut by_label: Vec<(&str, Vec<Duration>, i64)> = Vec::new();
    let mut wrong = 0;
    for q in &all {
        let t = Instant::now();
        let (items, total) = store.search_news(&q.filter, page).await?;
        let d = t.elapsed();
        samples.push(d);
        let got = (total, items.iter().map(|i| i.id).collect::<Vec<_>>());
        let expected = reference.answer(&q.filter, page);
        if got != expected {
            wrong += 1;
            eprintln!(
                "DIFFERENT from the scan: {} {:?}: search {:?}, scan {:?}",
                q.label, q.filter, got, expected
            );
        }
        match by_label.iter_mut().find(|(l, _, _)| *l == q.label) {
            Some((_, v, hits)) => {
                v.push(d);
                *hits += total;
            }
            None => by_label.push((q.label, vec![d], total)),
        }
    }
    println!(
        "checked against the reference scan: {} of {} searches equal (count and first page)",
        all.len() - wrong,
        all.len()
    );
    let mut scans = Vec::new();
    for q in all.iter().filter_map(|q| q.scan.as_deref()).take(args.scans) {
        let t = Instant::now();
        store.search_news_by_scan(q, 20).await?;
        scans.push(t.elapsed());
    }
    let (p50, p95) = (quantile(&samples, 0.5), quantile(&samples, 0.95));
    let scan50 = quantile(&scans, 0.5);
    println!(
        "{} searches: p50 {}, p95 {}, max {}",
        samples.len(),
        ms(p50),
        ms(p95),
        ms(quantile(&samples, 1.0))
    );
    for (label, v, hits) in &by_label {
        println!(
            "  {label:<28} n={:<3} p50 {:>10}  p95 {:>10}  avg hits {}",
            v.len(),
            ms(quantile(v, 0.5)),
            ms(quantile(v, 0.95)),
            hits / v.len() as i64
        );
    }
    println!(
        "baseline (LIKE '%folded%' scan, count + newest 20), {} runs: p50 {}",
        scans.len(),
        ms(scan50)
    );
    println!(
        "ratio: search p95 / scan p50 = {:.3} (search p95 is {:.1}× faster than a scan)",
        p95.as_secs_f64() / scan50.as_secs_f64().max(1e-9),
        scan50.as_secs_f64() / p95.as_secs_f64().max(1e-9)
    );
    println!(
        "| {backend} | {} | {:.0} s | {} | {} | {} | {:.1}× |",
        bench.entries,
        generation.as_secs_f64(),
        ms(p50),
        ms(p95),
        ms(scan50),
        scan50.as_secs_f64() / p95.as_secs_f64().max(1e-9)
    );
    store.close().await;
    if backend == "sqlite" && !args.keep {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", sqlite_file.display()));
        }
    }
    if wrong > 0 {
        bail!("{backend}: {wrong} searches differ from the reference scan");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    println!(
        "news_search: {} entries, {} schools in {} offices, {} searches",
        args.entries, args.schools, args.offices, args.searches
    );
    for backend in &args.backends {
        run_backend(&args, backend).await?;
    }
    Ok(())
}
