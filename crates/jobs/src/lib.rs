//! Lành Mạng's background work: workers that run jobs from the durable queue, and the scheduler
//! that queues recurring work. Request handlers never do long work themselves: they queue a job
//! and return. [`mail`] delivers the e-mail outbox.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use lanhmang_store::Store;
use lanhmang_store::jobs::Job;
use time::Duration;
use tokio::sync::watch;

pub mod mail;
pub mod news;
pub mod reminders;
pub mod supervision;
pub mod webhooks;

/// The setting that records the day the deadline reminders last ran.
const REMINDERS_RUN: &str = "deadline_reminders_run";

/// How long one addressing job works before it leaves the rest to its successor.
const ADDRESSING_BUDGET: StdDuration = StdDuration::from_secs(20);

/// How long a connection's delivery log keeps what ended.
const WEBHOOK_LOG_KEPT: Duration = Duration::days(90);

/// The setting that records the day the office digests last went out.
const DIGEST_RUN: &str = "supervision_digest_run";

pub use mail::{MailSettings, Mailer, SmtpSecurity};
pub use supervision::Supervision;

/// The kinds of work the queue carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Delete sessions that expired or idled out.
    PurgeSessions,
    /// Send a batch of due mail from the outbox.
    DeliverMail,
    /// Queue the day's reminders before report deadlines (once a day).
    DeadlineReminders,
    /// Inspect one website: a full inspection or a reachability check.
    InspectSite,
    /// Mail each office the day's website alerts (once a day).
    SupervisionDigest,
    /// Look up domain registrations through RDAP.
    DomainLookup,
    /// Poll a batch of due news feeds.
    PollFeeds,
    /// Queue the weekly news digest to the offices (once a week).
    NewsDigest,
    /// Rebuild which entries belong to a news topic whose keywords changed.
    IndexNewsTopic,
    /// Escalate overdue incidents and purge closed ones past their retention.
    IncidentUpkeep,
    /// Write the notifications and mails of sent notices, a batch at a time.
    DeliverNotices,
    /// Post a batch of due webhook deliveries.
    DeliverWebhooks,
    /// Address the rest of a large notice's audience, a batch of units at a time.
    AddressNotices,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::PurgeSessions => "purge_sessions",
            JobKind::DeliverMail => lanhmang_store::outbox::DELIVER_MAIL_JOB,
            JobKind::DeadlineReminders => "deadline_reminders",
            JobKind::InspectSite => lanhmang_store::sites::INSPECT_SITE_JOB,
            JobKind::SupervisionDigest => "supervision_digest",
            JobKind::DomainLookup => "domain_lookup",
            JobKind::PollFeeds => "poll_feeds",
            JobKind::NewsDigest => "news_digest",
            JobKind::IndexNewsTopic => lanhmang_store::news::TOPIC_INDEX_JOB,
            JobKind::IncidentUpkeep => "incident_upkeep",
            JobKind::DeliverNotices => lanhmang_store::notices::DELIVER_NOTICES_JOB,
            JobKind::DeliverWebhooks => lanhmang_store::webhooks::DELIVER_WEBHOOKS_JOB,
            JobKind::AddressNotices => lanhmang_store::notices::ADDRESS_NOTICES_JOB,
        }
    }

    pub fn parse(raw: &str) -> Option<JobKind> {
        match raw {
            "purge_sessions" => Some(JobKind::PurgeSessions),
            lanhmang_store::outbox::DELIVER_MAIL_JOB => Some(JobKind::DeliverMail),
            "deadline_reminders" => Some(JobKind::DeadlineReminders),
            lanhmang_store::sites::INSPECT_SITE_JOB => Some(JobKind::InspectSite),
            "supervision_digest" => Some(JobKind::SupervisionDigest),
            "domain_lookup" => Some(JobKind::DomainLookup),
            "poll_feeds" => Some(JobKind::PollFeeds),
            "news_digest" => Some(JobKind::NewsDigest),
            lanhmang_store::news::TOPIC_INDEX_JOB => Some(JobKind::IndexNewsTopic),
            "incident_upkeep" => Some(JobKind::IncidentUpkeep),
            lanhmang_store::notices::DELIVER_NOTICES_JOB => Some(JobKind::DeliverNotices),
            lanhmang_store::webhooks::DELIVER_WEBHOOKS_JOB => Some(JobKind::DeliverWebhooks),
            lanhmang_store::notices::ADDRESS_NOTICES_JOB => Some(JobKind::AddressNotices),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] lanhmang_store::StoreError),
    #[error("loại việc không xác định: {0}")]
    UnknownKind(String),
    #[error("nội dung việc không hợp lệ: {0}")]
    BadPayload(String),
    #[error("{0}")]
    Setup(String),
    #[error("tiến trình này chưa được cấu hình để kiểm tra website")]
    NoInspector,
    #[error("không tạo được bộ tải nguồn tin: {0}")]
    Fetch(String),
    #[error(transparent)]
    App(#[from] lanhmang_app::AppError),
}

/// Settings the jobs need from the configuration.
#[derive(Debug, Clone)]
pub struct JobSettings {
    pub session_idle: Duration,
    /// How long a worker sleeps when the queue is empty.
    pub poll_interval: StdDuration,
    /// How often the scheduler queues recurring work.
    pub schedule_interval: StdDuration,
    /// How often the scheduler looks for mail due for an attempt (retries, mostly: new mail
    /// queues its own delivery job). `None` where this process has no mail server configured,
    /// so that it does not queue a job every minute that could only note that.
    pub mail_interval: Option<StdDuration>,
    /// Days before a report deadline when reminders go out.
    pub reminder_days: Vec<u32>,
    /// How long a claimed job is held without renewal; a worker renews it every third of
    /// this while the job runs, so only a dead worker's jobs are taken again.
    pub lease: StdDuration,
    /// Jobs one worker process runs at once (inspections wait on the network, not the CPU).
    pub concurrency: usize,
    /// How often the scheduler looks for websites due for an inspection.
    pub supervision_interval: StdDuration,
    /// Spacing between two inspections of websites on the same host.
    pub politeness: StdDuration,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            session_idle: Duration::minutes(30),
            poll_interval: StdDuration::from_secs(2),
            schedule_interval: StdDuration::from_secs(15 * 60),
            mail_interval: None,
            reminder_days: vec![30, 14, 7, 1],
            lease: StdDuration::from_secs(60),
            concurrency: 4,
            supervision_interval: StdDuration::from_secs(60),
            politeness: StdDuration::from_secs(5),
        }
    }
}

/// What running one job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub job_id: i64,
    pub kind: String,
    pub result: Result<String, String>,
}

#[derive(Clone)]
pub struct Worker {
    store: Arc<Store>,
    /// The use cases (alert and digest texts, recording a run) over the same store.
    app: lanhmang_app::App,
    name: String,
    settings: JobSettings,
    mailer: Option<Arc<Mailer>>,
    supervision: Option<Arc<Supervision>>,
    /// When this process last put back jobs whose lease ran out (seconds since the epoch).
    last_requeue: Arc<std::sync::atomic::AtomicI64>,
    /// Fetches news feeds; made on first use with the inspector's defaults (private addresses
    /// refused) unless given by [`Worker::with_news_fetcher`].
    news_fetcher: std::sync::OnceLock<Arc<lanhmang_inspect::fetch::Fetcher>>,
    /// Posts webhook deliveries; made on first use from the application's settings (private
    /// addresses only where websites on them are allowed).
    poster: std::sync::OnceLock<Arc<webhooks::Poster>>,
}

impl Worker {
    /// A worker without a mail server: mail stays queued (see [`Worker::with_mailer`]).
    /// `name` must be unique among the workers sharing the queue (host and process id).
    pub fn new(store: Arc<Store>, name: impl Into<String>, settings: JobSettings) -> Worker {
        Worker {
            app: lanhmang_app::App::new(store.clone(), lanhmang_app::Settings::default()),
            store,
            name: name.into(),
            settings,
            mailer: None,
            supervision: None,
            last_requeue: Arc::new(std::sync::atomic::AtomicI64::new(0)),
            news_fetcher: std::sync::OnceLock::new(),
            poster: std::sync::OnceLock::new(),
        }
    }

    /// Polls news feeds through `fetcher` (its configuration decides whether private addresses
    /// may be fetched: only the demo and tests allow them).
    pub fn with_news_fetcher(self, fetcher: Arc<lanhmang_inspect::fetch::Fetcher>) -> Worker {
        let _ = self.news_fetcher.set(fetcher);
        self
    }

    /// Uses `settings` for what the use cases need (the public address that absolute links in
    /// mail are built from). Without it, links in mail are bare paths.
    pub fn with_app_settings(mut self, settings: lanhmang_app::Settings) -> Worker {
        self.app = lanhmang_app::App::new(self.store.clone(), settings);
        self
    }

    /// Posts webhook deliveries through `poster` (tests give one with a short backoff).
    pub fn with_poster(self, poster: Arc<webhooks::Poster>) -> Worker {
        let _ = self.poster.set(poster);
        self
    }

    /// Delivers mail through `mailer` (none: mail waits, marked as such).
    pub fn with_mailer(mut self, mailer: Option<Arc<Mailer>>) -> Worker {
        self.mailer = mailer;
        self
    }

    /// Inspects websites with `supervision` (none: inspection jobs wait for a worker that can).
    pub fn with_supervision(mut self, supervision: Option<Arc<Supervision>>) -> Worker {
        self.supervision = supervision;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Puts back jobs of dead workers, at most every 15 seconds (or half a lease, when shorter)
    /// per process.
    async fn requeue_expired(&self) -> Result<(), JobError> {
        use std::sync::atomic::Ordering;
        let every = (self.settings.lease.as_secs() / 2).clamp(1, 15) as i64;
        let t = lanhmang_store::now().unix_timestamp();
        let last = self.last_requeue.load(Ordering::Relaxed);
        if t - last >= every
            && self
                .last_requeue
                .compare_exchange(last, t, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let n = self.store.requeue_expired_leases().await?;
            if n > 0 {
                tracing::warn!(jobs = n, "took back jobs whose worker stopped renewing its lease");
            }
        }
        Ok(())
    }

    fn lease(&self) -> Duration {
        Duration::try_from(self.settings.lease).unwrap_or(Duration::minutes(1))
    }

    /// Claims and runs one due job, if there is one.
    pub async fn run_once(&self) -> Result<Option<Outcome>, JobError> {
        self.requeue_expired().await?;
        let Some(job) = self.store.claim_job(&self.name, self.lease()).await? else {
            return Ok(None);
        };
        // Renew the lease while the job runs; a worker that dies stops renewing it.
        let heartbeat = {
            let (store, name, id, lease) = (self.store.clone(), self.name.clone(), job.id, self.lease());
            let every = self.settings.lease / 3;
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    match store.renew_lease(id, &name, lease).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(job = id, worker = %name, "lease lost: another worker took the job");
                            break;
                        }
                        Err(e) => tracing::warn!(job = id, error = %e, "could not renew the lease"),
                    }
                }
            })
        };
        let result = self.execute(&job).await;
        heartbeat.abort();
        match &result {
            Ok((summary, follow_up)) => {
                tracing::info!(job = job.id, kind = %job.kind, %summary, "job done");
                // Inspections complete their job in the transaction that stores the result.
                if JobKind::parse(&job.kind) != Some(JobKind::InspectSite) {
                    self.store.complete_job(job.id, &self.name).await?;
                }
                // Only now: while this job ran, its deduplication key kept a successor out.
                if let Some(next) = follow_up {
                    self.store
                        .enqueue_job(next.as_str(), "{}", lanhmang_store::now(), Some(next.as_str()))
                        .await?;
                }
            }
            Err(e) => {
                tracing::warn!(job = job.id, kind = %job.kind, error = %e, attempt = job.attempts, "job failed");
                // Exponential backoff: 30 s, 1 min, 2 min, … capped at one hour.
                let shift = u32::try_from(job.attempts.clamp(1, 8) - 1).unwrap_or(0);
                let retry_in = Duration::seconds((30_i64 << shift).min(3600));
                self.store.fail_job(&job, &self.name, &e.to_string(), retry_in).await?;
            }
        }
        Ok(Some(Outcome {
            job_id: job.id,
            kind: job.kind,
            result: result.map(|(summary, _)| summary).map_err(|e| e.to_string()),
        }))
    }

    /// Runs due jobs until none is left; returns how many ran. Tests use this to wait for work.
    pub async fn drain(&self) -> Result<usize, JobError> {
        let mut n = 0;
        while self.run_once().await?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    /// Runs a job; on success, its summary and the job to queue once it is marked done.
    async fn execute(&self, job: &Job) -> Result<(String, Option<JobKind>), JobError> {
        match JobKind::parse(&job.kind) {
            Some(JobKind::PurgeSessions) => {
                let n = self.store.purge_sessions(self.settings.session_idle).await?;
                let forgotten = self.store.purge_throttle(time::Duration::days(1)).await?;
                self.store.purge_news_search_log().await?;
                let lessons = lanhmang_app::class_sessions::close_forgotten(&self.app, lanhmang_store::now()).await?;
                self.store.purge_webhook_deliveries(WEBHOOK_LOG_KEPT).await?;
                Ok((
                    format!(
                        "{n} phiên đăng nhập hết hạn đã được xóa; {forgotten} bản ghi đăng nhập sai cũ đã được xóa; \
                         {lessons} buổi học bị quên đã được kết thúc"
                    ),
                    None,
                ))
            }
            Some(JobKind::DeliverMail) => {
                let report = mail::deliver_due(&self.store, self.mailer.as_deref()).await?;
                Ok((report.summary(), report.more.then_some(JobKind::DeliverMail)))
            }
            Some(JobKind::DeadlineReminders) => {
                let today = lanhmang_domain::report::vietnam_date(lanhmang_store::now());
                // Once a day is enough; the mails' dedup keys make a second run harmless anyway.
                let stamp = today.to_string();
                if self.store.setting(REMINDERS_RUN).await?.as_deref() == Some(stamp.as_str()) {
                    return Ok(("Đã nhắc hạn nộp báo cáo hôm nay".into(), None));
                }
                let n = reminders::queue_deadline_reminders(&self.app, today, &self.settings.reminder_days).await?;
                let notices = lanhmang_app::notices::remind_due(&self.app, today).await?;
                self.store.set_setting(REMINDERS_RUN, &stamp).await?;
                Ok((
                    format!(
                        "{n} thư nhắc hạn nộp báo cáo đã vào hàng đợi; {notices} người được nhắc đọc thông báo đến hạn"
                    ),
                    None,
                ))
            }
            Some(JobKind::InspectSite) => {
                let sup = self.supervision.as_deref().ok_or(JobError::NoInspector)?;
                Ok((supervision::inspect_site(&self.app, sup, job, &self.name).await?, None))
            }
            Some(JobKind::SupervisionDigest) => {
                let today = lanhmang_domain::report::vietnam_date(lanhmang_store::now());
                let stamp = today.to_string();
                if self.store.setting(DIGEST_RUN).await?.as_deref() == Some(stamp.as_str()) {
                    return Ok(("Đã gửi bản tin website hôm nay".into(), None));
                }
                let n = lanhmang_app::supervision::digest::queue_office_digests(&self.app, today).await?;
                let pruned = self.store.prune_supervision_history().await?;
                self.store.set_setting(DIGEST_RUN, &stamp).await?;
                Ok((
                    format!("{n} bản tin tình hình website đã vào hàng đợi; {pruned} dòng lịch sử cũ đã được dọn"),
                    None,
                ))
            }
            Some(JobKind::DomainLookup) => {
                let Some(sup) = self.supervision.as_deref() else {
                    return Ok(("tiến trình này không tra cứu tên miền".into(), None));
                };
                let n = supervision::lookup_domains(&self.store, sup, 200).await?;
                Ok((format!("đã tra cứu đăng ký của {n} tên miền"), None))
            }
            Some(JobKind::PollFeeds) => {
                let fetcher = match self.news_fetcher.get() {
                    Some(f) => f.clone(),
                    None => {
                        // The inspector's settings when this worker inspects websites (the same
                        // address guard and trusted roots), the defaults otherwise.
                        let config = Arc::new(
                            self.supervision
                                .as_deref()
                                .map(|s| s.inspect_config().clone())
                                .unwrap_or_default(),
                        );
                        let made = Arc::new(
                            lanhmang_inspect::fetch::Fetcher::new(config)
                                .map_err(|e| JobError::Fetch(e.to_string()))?,
                        );
                        self.news_fetcher.get_or_init(|| made).clone()
                    }
                };
                let report = news::poll_due_feeds(&self.store, fetcher).await?;
                Ok((report.summary(), report.more.then_some(JobKind::PollFeeds)))
            }
            Some(JobKind::NewsDigest) => Ok((news::run_digest(&self.app).await?, None)),
            Some(JobKind::IndexNewsTopic) => Ok((news::index_topic(&self.store, &job.payload).await?, None)),
            Some(JobKind::IncidentUpkeep) => {
                let now = lanhmang_store::now();
                let escalated = lanhmang_app::incidents::escalate_overdue(&self.app, now).await?;
                let purged = lanhmang_app::incidents::purge_expired(&self.app, now).await?;
                Ok((
                    format!(
                        "{escalated} hồ sơ quá hạn đã được báo cấp trên; {purged} hồ sơ hết thời hạn lưu đã được xóa nội dung"
                    ),
                    None,
                ))
            }
            Some(JobKind::DeliverNotices) => {
                let (told, more) = lanhmang_app::notices::deliver(&self.app).await?;
                Ok((
                    format!("{told} người đã được báo về thông báo mới"),
                    more.then_some(JobKind::DeliverNotices),
                ))
            }
            Some(JobKind::DeliverWebhooks) => {
                let poster = match self.poster.get() {
                    Some(p) => p.clone(),
                    None => {
                        let made = Arc::new(webhooks::Poster::new(
                            self.app.settings.allow_private_sites,
                            webhooks::WebhookPolicy::default(),
                        )?);
                        self.poster.get_or_init(|| made).clone()
                    }
                };
                let report = webhooks::deliver_due(&self.app, &poster).await?;
                Ok((report.summary(), report.more.then_some(JobKind::DeliverWebhooks)))
            }
            Some(JobKind::AddressNotices) => {
                // Batches of their own transactions, for a while, then a successor: a million
                // parents never hold one worker (or a graceful stop) for long.
                let started = Instant::now();
                let (mut added, mut more) = (0, true);
                while more && started.elapsed() < ADDRESSING_BUDGET {
                    let (n, left) = self
                        .store
                        .address_notice_batch(lanhmang_store::notices::ADDRESSED_PER_BATCH)
                        .await?;
                    added += n;
                    more = left;
                }
                Ok((
                    format!("{added} người nhận thông báo đã được xác định"),
                    more.then_some(JobKind::AddressNotices),
                ))
            }
            None => Err(JobError::UnknownKind(job.kind.clone())),
        }
    }

    /// Runs jobs until `shutdown` turns true; the job in hand is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            let idle = match self.run_once().await {
                Ok(Some(_)) => false,
                Ok(None) => true,
                Err(e) => {
                    tracing::error!(error = %e, "worker could not reach the queue");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(self.settings.poll_interval) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        tracing::info!(worker = %self.name, "worker stopped");
    }

    /// Runs `settings.concurrency` claim loops in this process, each under its own name.
    pub async fn run_all(self, shutdown: watch::Receiver<bool>) {
        let n = self.settings.concurrency.max(1);
        let mut set = tokio::task::JoinSet::new();
        for i in 0..n {
            let mut w = self.clone();
            w.name = format!("{}#{i}", self.name);
            set.spawn(w.run(shutdown.clone()));
        }
        while set.join_next().await.is_some() {}
    }
}

/// Queues recurring work. Deduplication keys make it safe to run a scheduler in every process.
pub struct Scheduler {
    store: Arc<Store>,
    settings: JobSettings,
}

impl Scheduler {
    pub fn new(store: Arc<Store>, settings: JobSettings) -> Scheduler {
        Scheduler { store, settings }
    }

    /// Queues what is due now; returns how many jobs were queued.
    pub async fn tick(&self) -> Result<usize, JobError> {
        let mut queued = 0;
        let kind = JobKind::PurgeSessions.as_str();
        if self
            .store
            .enqueue_job(kind, "{}", lanhmang_store::now(), Some(kind))
            .await?
        {
            queued += 1;
        }
        let reminders = JobKind::DeadlineReminders.as_str();
        if self
            .store
            .enqueue_job(reminders, "{}", lanhmang_store::now(), Some(reminders))
            .await?
        {
            queued += 1;
        }
        if self.tick_mail().await? {
            queued += 1;
        }
        // Likewise for a large audience still being addressed.
        if self.store.notices_addressing().await? {
            let kind = JobKind::AddressNotices.as_str();
            if self
                .store
                .enqueue_job(kind, "{}", lanhmang_store::now(), Some(kind))
                .await?
            {
                queued += 1;
            }
        }
        // A delivery job that failed for good, or one that finished just before a notice was
        // sent, leaves recipients waiting: queue it again while any do.
        if self.store.notices_undelivered().await? {
            let kind = JobKind::DeliverNotices.as_str();
            if self
                .store
                .enqueue_job(kind, "{}", lanhmang_store::now(), Some(kind))
                .await?
            {
                queued += 1;
            }
        }
        for kind in [
            JobKind::SupervisionDigest,
            JobKind::DomainLookup,
            JobKind::IncidentUpkeep,
        ] {
            let kind = kind.as_str();
            if self
                .store
                .enqueue_job(kind, "{}", lanhmang_store::now(), Some(kind))
                .await?
            {
                queued += 1;
            }
        }
        queued += news::schedule(&self.store).await?;
        self.store.requeue_expired_leases().await?;
        Ok(queued)
    }

    /// Queues the website inspections that are due; returns (full, check) counts.
    pub async fn tick_supervision(&self) -> Result<(usize, usize), JobError> {
        let politeness = Duration::try_from(self.settings.politeness).unwrap_or(Duration::seconds(5));
        Ok(self.store.schedule_due_inspections(5_000, politeness).await?)
    }

    /// Queues the delivery job when mail is due and this process can send it; returns whether
    /// a job was queued.
    pub async fn tick_mail(&self) -> Result<bool, JobError> {
        if self.settings.mail_interval.is_none() || !self.store.mail_due().await? {
            return Ok(false);
        }
        Ok(self.store.kick_mail_delivery().await?)
    }

    /// Queues the webhook delivery job when a delivery is due (a retry, or one held through
    /// the quiet hours: new ones queue their own job); returns whether a job was queued.
    pub async fn tick_webhooks(&self) -> Result<bool, JobError> {
        match self.store.next_webhook_due().await? {
            Some(at) if at <= lanhmang_store::now() => Ok(self.store.kick_webhook_delivery().await?),
            _ => Ok(false),
        }
    }

    /// Runs [`Scheduler::tick`] every `schedule_interval` and, in between, [`Scheduler::tick_mail`]
    /// every `mail_interval` and [`Scheduler::tick_supervision`] every `supervision_interval`.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let full = self.settings.schedule_interval;
        let step = self
            .settings
            .mail_interval
            .map_or(full, |m| m.min(full))
            .min(self.settings.supervision_interval);
        let mut last_full: Option<Instant> = None;
        loop {
            if let Err(e) = self.tick_supervision().await {
                tracing::error!(error = %e, "scheduler could not queue inspections");
            }
            if let Err(e) = self.tick_webhooks().await {
                tracing::error!(error = %e, "scheduler could not queue webhook deliveries");
            }
            let result = if last_full.is_none_or(|t| t.elapsed() >= full) {
                last_full = Some(Instant::now());
                self.tick().await.map(|_| ())
            } else {
                self.tick_mail().await.map(|_| ())
            };
            if let Err(e) = result {
                tracing::error!(error = %e, "scheduler could not queue work");
            }
            tokio::select! {
                _ = tokio::time::sleep(step) => {}
                _ = shutdown.changed() => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use lanhmang_store::test_support::{TestDb, both_backends};

    use super::*;

    both_backends!(scheduler_queues_once_and_worker_drains_on_every_backend);
    async fn scheduler_queues_once_and_worker_drains_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let store = Arc::new(store);
            let scheduler = Scheduler::new(store.clone(), JobSettings::default());
            assert_eq!(
                scheduler.tick().await.unwrap(),
                5,
                "{backend}: sessions purge, deadline reminders, website digest, domain lookups, incident upkeep"
            );
            assert_eq!(scheduler.tick().await.unwrap(), 0, "{backend}: already queued");
            store
                .enqueue_job("no_such_kind", "{}", lanhmang_store::now(), None)
                .await
                .unwrap();
            let worker = Worker::new(store.clone(), "test", JobSettings::default());
            let first = worker.run_once().await.unwrap().unwrap();
            assert_eq!(first.kind, "purge_sessions");
            assert!(first.result.is_ok(), "{backend}: {first:?}");
            let reminders = worker.run_once().await.unwrap().unwrap();
            assert_eq!(reminders.kind, "deadline_reminders");
            assert!(reminders.result.is_ok(), "{backend}: {reminders:?}");
            for kind in ["supervision_digest", "domain_lookup", "incident_upkeep"] {
                let outcome = worker.run_once().await.unwrap().unwrap();
                assert_eq!(outcome.kind, kind);
                assert!(outcome.result.is_ok(), "{backend}: {outcome:?}");
            }
            let second = worker.run_once().await.unwrap().unwrap();
            assert!(second.result.is_err(), "{backend}: unknown kinds fail");
            assert_eq!(
                worker.drain().await.unwrap(),
                0,
                "{backend}: the failed job waits for its retry"
            );
            let counts = store.queue_counts().await.unwrap();
            assert_eq!((counts.done, counts.queued), (5, 1), "{backend}");
            drop(worker);
            drop(scheduler);
            db.cleanup().await;
        }
    }

    both_backends!(queued_mail_kicks_delivery_and_waits_without_a_server_on_every_backend);
    async fn queued_mail_kicks_delivery_and_waits_without_a_server_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let store = Arc::new(store);
            let with_mail = JobSettings {
                mail_interval: Some(StdDuration::from_secs(60)),
                ..Default::default()
            };
            let scheduler = Scheduler::new(store.clone(), with_mail.clone());
            assert!(!scheduler.tick_mail().await.unwrap(), "{backend}: no mail, no job");
            let queued = store
                .queue_mail(&lanhmang_store::outbox::NewMail {
                    to_address: "hieu.truong@thcs-a.edu.vn".into(),
                    to_name: String::new(),
                    subject: "Nhắc nộp kế hoạch".into(),
                    body: "Kính gửi thầy cô.".into(),
                    reason: "reminder",
                    plan_id: None,
                    unit_id: None,
                    dedup_key: Some("reminder:1".into()),
                })
                .await
                .unwrap();
            assert!(queued);
            assert_eq!(
                store.queue_counts().await.unwrap().queued,
                1,
                "{backend}: delivery kicked"
            );
            assert!(!scheduler.tick_mail().await.unwrap(), "{backend}: already kicked");

            let worker = Worker::new(store.clone(), "test", with_mail.clone()).with_mailer(None);
            let outcome = worker.run_once().await.unwrap().unwrap();
            assert_eq!(JobKind::parse(&outcome.kind), Some(JobKind::DeliverMail));
            let summary = outcome.result.unwrap();
            assert!(summary.contains(mail::NOT_CONFIGURED), "{backend}: {summary}");
            assert!(store.mail_due().await.unwrap(), "{backend}: the mail still waits");

            assert!(
                scheduler.tick_mail().await.unwrap(),
                "{backend}: due mail is kicked again"
            );
            let unconfigured = Scheduler::new(store.clone(), JobSettings::default());
            worker.drain().await.unwrap();
            assert!(
                !unconfigured.tick_mail().await.unwrap(),
                "{backend}: a process without a mail server does not keep kicking"
            );
            drop((worker, scheduler, unconfigured));
            db.cleanup().await;
        }
    }
}
