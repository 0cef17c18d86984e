//! Lành Mạng's background work: workers that run jobs from the durable queue, and the scheduler
//! that queues recurring work. Request handlers never do long work themselves: they queue a job
//! and return.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use lanhmang_store::Store;
use lanhmang_store::jobs::Job;
use time::Duration;
use tokio::sync::watch;

/// The kinds of work the queue carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Delete sessions that expired or idled out.
    PurgeSessions,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::PurgeSessions => "purge_sessions",
        }
    }

    pub fn parse(raw: &str) -> Option<JobKind> {
        match raw {
            "purge_sessions" => Some(JobKind::PurgeSessions),
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
}

/// Settings the jobs need from the configuration.
#[derive(Debug, Clone)]
pub struct JobSettings {
    pub session_idle: Duration,
    /// How long a worker sleeps when the queue is empty.
    pub poll_interval: StdDuration,
    /// How often the scheduler queues recurring work.
    pub schedule_interval: StdDuration,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            session_idle: Duration::minutes(30),
            poll_interval: StdDuration::from_secs(2),
            schedule_interval: StdDuration::from_secs(15 * 60),
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

pub struct Worker {
    store: Arc<Store>,
    name: String,
    settings: JobSettings,
}

impl Worker {
    pub fn new(store: Arc<Store>, name: impl Into<String>, settings: JobSettings) -> Worker {
        Worker {
            store,
            name: name.into(),
            settings,
        }
    }

    /// Claims and runs one due job, if there is one.
    pub async fn run_once(&self) -> Result<Option<Outcome>, JobError> {
        let Some(job) = self.store.claim_job(&self.name).await? else {
            return Ok(None);
        };
        let result = self.execute(&job).await;
        match &result {
            Ok(summary) => {
                tracing::info!(job = job.id, kind = %job.kind, %summary, "job done");
                self.store.complete_job(job.id).await?;
            }
            Err(e) => {
                tracing::warn!(job = job.id, kind = %job.kind, error = %e, attempt = job.attempts, "job failed");
                // Exponential backoff: 30 s, 1 min, 2 min, … capped at one hour.
                let shift = u32::try_from(job.attempts.clamp(1, 8) - 1).unwrap_or(0);
                let retry_in = Duration::seconds((30_i64 << shift).min(3600));
                self.store.fail_job(&job, &e.to_string(), retry_in).await?;
            }
        }
        Ok(Some(Outcome {
            job_id: job.id,
            kind: job.kind,
            result: result.map_err(|e| e.to_string()),
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

    async fn execute(&self, job: &Job) -> Result<String, JobError> {
        match JobKind::parse(&job.kind) {
            Some(JobKind::PurgeSessions) => {
                let n = self.store.purge_sessions(self.settings.session_idle).await?;
                Ok(format!("{n} phiên đăng nhập hết hạn đã được xóa"))
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
        self.store.requeue_stale_jobs(Duration::minutes(30)).await?;
        Ok(queued)
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.tick().await {
                tracing::error!(error = %e, "scheduler could not queue work");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.settings.schedule_interval) => {}
                _ = shutdown.changed() => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use lanhmang_store::test_support::{TestDb, backends};

    use super::*;

    #[tokio::test]
    async fn scheduler_queues_once_and_worker_drains_on_every_backend() {
        for backend in backends() {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let store = Arc::new(store);
            let scheduler = Scheduler::new(store.clone(), JobSettings::default());
            assert_eq!(scheduler.tick().await.unwrap(), 1, "{backend}");
            assert_eq!(scheduler.tick().await.unwrap(), 0, "{backend}: already queued");
            store
                .enqueue_job("no_such_kind", "{}", lanhmang_store::now(), None)
                .await
                .unwrap();
            let worker = Worker::new(store.clone(), "test", JobSettings::default());
            let first = worker.run_once().await.unwrap().unwrap();
            assert_eq!(first.kind, "purge_sessions");
            assert!(first.result.is_ok(), "{backend}: {first:?}");
            let second = worker.run_once().await.unwrap().unwrap();
            assert!(second.result.is_err(), "{backend}: unknown kinds fail");
            assert_eq!(
                worker.drain().await.unwrap(),
                0,
                "{backend}: the failed job waits for its retry"
            );
            let counts = store.queue_counts().await.unwrap();
            assert_eq!((counts.done, counts.queued), (1, 1), "{backend}");
            drop(worker);
            drop(scheduler);
            db.cleanup().await;
        }
    }
}
