//! Sector news: polling the followed feeds and the weekly digest to each office.
//!
//! A poll sends the stored ETag and Last-Modified back (`If-None-Match`, `If-Modified-Since`),
//! so an unchanged feed costs a 304 and nothing is stored. Feeds are fetched through the
//! inspector's [`Fetcher`], whose address guard refuses private and loopback addresses unless
//! the configuration allows them (the demo and the tests do). One job polls a bounded batch and
//! queues a follow-up while more feeds are due.

use std::sync::Arc;

use lanhmang_domain::report::vietnam_date;
use lanhmang_inspect::fetch::{Fetcher, Request};
use lanhmang_store::Store;
use lanhmang_store::news::{NewEntry, NewsFeed, PollOutcome, plain_summary};
use time::OffsetDateTime;

use crate::JobError;

/// Feeds polled by one job.
pub const POLL_BATCH: i64 = 50;
/// The most a feed's body may weigh.
const FEED_BODY_LIMIT: usize = 4 * 1024 * 1024;
/// The setting that records the ISO week whose digest went out.
pub const DIGEST_RUN: &str = "news_digest_week";

/// What one polling job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    pub polled: usize,
    pub not_modified: usize,
    pub failed: usize,
    pub new_entries: usize,
    /// More feeds were due than one batch holds.
    pub more: bool,
}

impl PollReport {
    pub fn summary(&self) -> String {
        format!(
            "{} nguồn tin đã đọc: {} tin mới, {} không thay đổi, {} lỗi",
            self.polled, self.new_entries, self.not_modified, self.failed
        )
    }
}

/// Fetches one feed and turns the answer into a poll outcome (never an error: a feed that
/// cannot be read is the feed's problem, recorded with backoff).
pub async fn fetch_feed(fetcher: &Fetcher, feed: &NewsFeed) -> PollOutcome {
    let url = match url::Url::parse(&feed.url) {
        Ok(u) => u,
        Err(e) => return PollOutcome::Failed(format!("địa chỉ không hợp lệ: {e}")),
    };
    let mut req = Request::follow_capped(FEED_BODY_LIMIT);
    req.accept =
        Some("application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5");
    if let Some(etag) = feed.etag.as_deref().filter(|e| !e.is_empty()) {
        req.extra_headers.push(("if-none-match", etag.to_string()));
    }
    if let Some(lm) = feed.last_modified.as_deref().filter(|e| !e.is_empty()) {
        req.extra_headers.push(("if-modified-since", lm.to_string()));
    }
    let fetched = match fetcher.fetch(&url, &req).await {
        Ok(f) => f,
        Err(e) => return PollOutcome::Failed(e.to_string()),
    };
    if fetched.status == 304 {
        return PollOutcome::NotModified;
    }
    if !(200..300).contains(&fetched.status) {
        return PollOutcome::Failed(format!("máy chủ trả về mã HTTP {}", fetched.status));
    }
    let report = match lanhmang_inspect::feeds::parse(&fetched.final_url, &fetched.body) {
        Ok(r) => r,
        Err(e) => return PollOutcome::Failed(e.to_string()),
    };
    let summaries = summaries(&fetched.body);
    let entries = report
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| NewEntry {
            title: e.title.clone(),
            url: e.url.clone(),
            summary: summaries.get(i).cloned().unwrap_or_default(),
            published_at: e
                .published
                .as_deref()
                .and_then(|p| OffsetDateTime::parse(p, &time::format_description::well_known::Rfc3339).ok()),
        })
        .collect();
    PollOutcome::Fetched {
        etag: fetched.header("etag").map(str::to_string),
        last_modified: fetched.header("last-modified").map(str::to_string),
        title: report.title,
        entries,
    }
}

/// The entries' summaries in feed order. `inspect::feeds::parse` keeps only what the inspector
/// needs; the summary is read here from the same document (the same parser, the same order).
fn summaries(body: &[u8]) -> Vec<String> {
    match feed_rs::parser::parse(body) {
        Ok(feed) => feed
            .entries
            .iter()
            .take(200)
            .map(|e| {
                e.summary
                    .as_ref()
                    .map(|s| plain_summary(&s.content))
                    .or_else(|| e.content.as_ref().and_then(|c| c.body.as_deref()).map(plain_summary))
                    .unwrap_or_default()
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Polls up to [`POLL_BATCH`] due feeds at once (the fetcher bounds the concurrency per host and
/// overall) and records each outcome.
pub async fn poll_due_feeds(store: &Store, fetcher: Arc<Fetcher>) -> Result<PollReport, JobError> {
    let due = store.due_news_feeds(POLL_BATCH + 1).await?;
    let mut report = PollReport {
        more: due.len() as i64 > POLL_BATCH,
        ..Default::default()
    };
    let mut set = tokio::task::JoinSet::new();
    for feed in due.into_iter().take(POLL_BATCH as usize) {
        let fetcher = fetcher.clone();
        set.spawn(async move {
            let outcome = fetch_feed(&fetcher, &feed).await;
            (feed.id, outcome)
        });
    }
    while let Some(joined) = set.join_next().await {
        let Ok((feed_id, outcome)) = joined else {
            // A panicked poll leaves its feed due; the next job takes it again.
            report.failed += 1;
            continue;
        };
        report.polled += 1;
        match &outcome {
            PollOutcome::NotModified => report.not_modified += 1,
            PollOutcome::Failed(e) => {
                tracing::info!(feed = feed_id, error = %e, "feed poll failed");
                report.failed += 1;
            }
            PollOutcome::Fetched { .. } => {}
        }
        report.new_entries += store.record_news_poll(feed_id, &outcome).await?;
    }
    Ok(report)
}

pub use lanhmang_app::news::iso_week;

/// Runs the digest unless this week's went out already; returns the job's summary.
pub async fn run_digest(app: &lanhmang_app::App) -> Result<String, JobError> {
    let store = &*app.store;
    let today = vietnam_date(lanhmang_store::now());
    let week = iso_week(today);
    if store.setting(DIGEST_RUN).await?.as_deref() == Some(week.as_str()) {
        return Ok(format!("Bản tin tuần {week} đã được gửi"));
    }
    let n = lanhmang_app::news::queue_weekly_digest(app, today).await?;
    store.set_setting(DIGEST_RUN, &week).await?;
    Ok(format!("{n} thư bản tin tuần {week} đã vào hàng đợi"))
}

/// Rebuilds the entries of the topic named in the payload (`{"topic_id": 7}`).
pub async fn index_topic(store: &Store, payload: &str) -> Result<String, JobError> {
    let topic_id = serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v["topic_id"].as_i64())
        .ok_or_else(|| JobError::UnknownKind(format!("news_topic_index {payload}")))?;
    let n = store.reindex_news_topic(topic_id).await?;
    Ok(format!("Chủ đề {topic_id}: {n} tin"))
}

/// What the scheduler queues for news: a poll when feeds are due, the digest once a week once
/// any feed is followed. Nothing on a database without feeds.
pub async fn schedule(store: &Store) -> Result<usize, JobError> {
    let mut queued = 0;
    if store.news_feeds_due().await? {
        let kind = crate::JobKind::PollFeeds.as_str();
        if store.enqueue_job(kind, "{}", lanhmang_store::now(), Some(kind)).await? {
            queued += 1;
        }
    }
    let week = iso_week(vietnam_date(lanhmang_store::now()));
    if store.setting(DIGEST_RUN).await?.as_deref() != Some(week.as_str())
        && !store.news_digest_offices().await?.is_empty()
    {
        let kind = crate::JobKind::NewsDigest.as_str();
        if store.enqueue_job(kind, "{}", lanhmang_store::now(), Some(kind)).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use lanhmang_domain::unit::UnitInput;
    use lanhmang_fixture_web::{self as fixture_web, FixtureConfig};
    use lanhmang_inspect::{InspectConfig, Inspector};
    use lanhmang_store::AuditContext;
    use lanhmang_store::test_support::{TestDb, both_backends};

    use lanhmang_domain::Paging;
    use time::{Date, Duration};

    use super::*;

    /// Feed addresses the inspector finds on the fixture web's first sites (readable ones).
    async fn fixture_feeds(web: &fixture_web::FixtureWeb, config: &InspectConfig) -> Vec<String> {
        let inspector = Inspector::new(InspectConfig {
            max_pages: 3,
            ..config.clone()
        })
        .unwrap();
        let mut out = Vec::new();
        for site in web.manifest.iter().take(8) {
            let report = inspector.inspect(&url::Url::parse(&site.url).unwrap()).await;
            out.extend(
                report
                    .feeds
                    .iter()
                    .filter(|f| !f.entries.is_empty())
                    .map(|f| f.url.clone()),
            );
            if out.len() >= 2 {
                break;
            }
        }
        out
    }

    both_backends!(
        polls_with_validators_and_refuses_private_addresses_by_default_on_every_backend,
        flavor = "multi_thread",
        worker_threads = 2
    );
    async fn polls_with_validators_and_refuses_private_addresses_by_default_on_every_backend(backend: &'static str) {
        let web = fixture_web::start(FixtureConfig {
            sites: 8,
            http_port: 0,
            tls_port: None,
            seed: 11,
        })
        .await
        .unwrap();
        let config = InspectConfig {
            allow_private_targets: true,
            http_port: web.http_addr.port(),
            retries: 0,
            ..Default::default()
        };
        let feeds = fixture_feeds(&web, &config).await;
        assert!(!feeds.is_empty(), "the fixture web serves feeds");
        let open = Arc::new(Fetcher::new(Arc::new(config.clone())).unwrap());
        let guarded = Arc::new(
            Fetcher::new(Arc::new(InspectConfig {
                http_port: web.http_addr.port(),
                retries: 0,
                ..Default::default()
            }))
            .unwrap(),
        );
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let office = store
                .create_unit(
                    &ctx,
                    None,
                    &UnitInput {
                        code: "P".into(),
                        name: "Phòng GD&ĐT".into(),
                        kind: "phong".into(),
                        ..Default::default()
                    }
                    .parse()
                    .unwrap(),
                )
                .await
                .unwrap();
            let feed = store.add_press_feed(&ctx, office.id, &feeds[0], "").await.unwrap();

            // The default guard refuses the loopback address: an error with backoff.
            let refused = poll_due_feeds(&store, guarded.clone()).await.unwrap();
            assert_eq!((refused.polled, refused.failed), (1, 1), "{backend}");
            assert_eq!(store.news_feed(feed.id).await.unwrap().unwrap().last_status, "error");

            store.poll_news_feed_now(feed.id).await.unwrap();
            let first = poll_due_feeds(&store, open.clone()).await.unwrap();
            assert!(first.new_entries > 0, "{backend}: {first:?}");
            let stored = store.news_feed(feed.id).await.unwrap().unwrap();
            assert!(
                stored.etag.is_some() && stored.last_modified.is_some(),
                "{backend}: {stored:?}"
            );
            assert_eq!(stored.consecutive_failures, 0);

            store.poll_news_feed_now(feed.id).await.unwrap();
            let second = poll_due_feeds(&store, open.clone()).await.unwrap();
            assert_eq!((second.not_modified, second.new_entries), (1, 0), "{backend}: 304");
            let again = store.news_feed(feed.id).await.unwrap().unwrap();
            assert_eq!(
                (again.last_status.as_str(), again.entries),
                ("not_modified", stored.entries)
            );
            db.cleanup().await;
        }
        web.shutdown().await;
    }

    both_backends!(the_weekly_digest_goes_once_a_week_to_office_admins_on_every_backend);
    async fn the_weekly_digest_goes_once_a_week_to_office_admins_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let unit = |code: &str, name: &str, kind: &str| UnitInput {
                code: code.into(),
                name: name.into(),
                kind: kind.into(),
                ..Default::default()
            };
            let dept = store
                .create_unit(&ctx, None, &unit("S", "Sở GD&ĐT", "so").parse().unwrap())
                .await
                .unwrap();
            let office = store
                .create_unit(
                    &ctx,
                    Some(dept.id),
                    &unit("P", "Phòng GD&ĐT An Bình", "phong").parse().unwrap(),
                )
                .await
                .unwrap();
            let admin = store
                .create_person(
                    &ctx,
                    office.id,
                    &lanhmang_domain::person::PersonInput {
                        username: "chuyen.vien".into(),
                        display_name: "Chuyên viên".into(),
                        email: "chuyen.vien@phong.edu.vn".into(),
                        ..Default::default()
                    }
                    .parse()
                    .unwrap(),
                    None,
                    false,
                )
                .await
                .unwrap();
            store
                .grant_role(&ctx, admin.id, lanhmang_domain::Role::OfficeAdmin, office.id)
                .await
                .unwrap();
            assert_eq!(schedule(&store).await.unwrap(), 0, "{backend}: no feed, no news work");
            let feed = store
                .add_press_feed(&ctx, office.id, "https://bao.vn/rss", "Báo")
                .await
                .unwrap();
            let entry = |title: &str| NewEntry {
                title: title.into(),
                url: Some(format!("https://bao.vn/{}", fold_vi_slug(title))),
                summary: String::new(),
                published_at: Some(lanhmang_store::now() - Duration::days(1)),
            };
            store
                .record_news_poll(
                    feed.id,
                    &PollOutcome::Fetched {
                        etag: None,
                        last_modified: None,
                        title: String::new(),
                        entries: vec![
                            entry("Cảnh báo lừa đảo trực tuyến mùa tựu trường"),
                            entry("Khai giảng năm học mới"),
                        ],
                    },
                )
                .await
                .unwrap();
            assert_eq!(schedule(&store).await.unwrap(), 1, "{backend}: the digest is due");
            let app = lanhmang_app::App::new(
                Arc::new(store),
                lanhmang_app::Settings {
                    links: lanhmang_app::Links::new(Some("https://lanhmang.example.vn")),
                    ..Default::default()
                },
            );
            let store = &*app.store;
            let summary = run_digest(&app).await.unwrap();
            assert!(summary.starts_with("1 thư"), "{backend}: {summary}");
            assert!(run_digest(&app).await.unwrap().contains("đã được gửi"), "{backend}");
            assert_eq!(
                lanhmang_app::news::queue_weekly_digest(&app, vietnam_date(lanhmang_store::now()))
                    .await
                    .unwrap(),
                0,
                "{backend}: dedup"
            );
            let (mails, _) = store
                .outbox_page(
                    &lanhmang_store::outbox::OutboxFilter {
                        unit_ids_in_subtree_of: vec![office.id],
                        ..Default::default()
                    },
                    Paging::default(),
                )
                .await
                .unwrap();
            assert_eq!(mails.len(), 1, "{backend}");
            let body = &mails[0].body;
            assert!(body.contains("Tổng số tin mới: 2."), "{backend}: {body}");
            assert!(body.contains("Lừa đảo trực tuyến – 1 tin"), "{backend}: {body}");
            assert!(
                body.contains("Cảnh báo lừa đảo trực tuyến mùa tựu trường"),
                "{backend}: {body}"
            );
            // The link to the news can be clicked in a mail client: it is absolute.
            assert!(
                body.contains("https://lanhmang.example.vn/tin-tuc"),
                "{backend}: {body}"
            );
            db.cleanup().await;
        }
    }

    fn fold_vi_slug(title: &str) -> String {
        lanhmang_domain::text::fold_vi(title).replace(' ', "-")
    }

    #[test]
    fn weeks_and_summaries() {
        let d = Date::from_calendar_date(2026, time::Month::November, 28).unwrap();
        assert_eq!(iso_week(d), "2026-W48");
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <item><title>A</title><link>https://x.vn/a</link><description>&lt;p&gt;Xin ch&#224;o&lt;/p&gt;</description></item>
            <item><title>B</title><link>https://x.vn/b</link></item></channel></rss>"#;
        assert_eq!(summaries(rss), vec!["Xin chào".to_string(), String::new()]);
    }
}
