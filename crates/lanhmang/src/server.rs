//! Starting and stopping the application: the web server and, in the same process, the
//! workers and the scheduler.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use lanhmang_jobs::{JobSettings, Mailer, Scheduler, Worker};
use lanhmang_store::Store;
use lanhmang_store::audit::{HeadAtStart, load_or_create_audit_key};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;

/// Connects, brings the schema up to date and makes sure the audit chain's head is signed by
/// the configured key (signing it on the first start after an upgrade). A head signed under
/// another key stops the start: the key is wrong or the log was rewritten.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let (store, key_created) = open_store_unchecked(config).await?;
    match store.secure_audit_head().await {
        Ok(HeadAtStart::Valid) => {}
        Ok(HeadAtStart::SignedNow { entries: 0 }) => {
            tracing::info!(key_file = %config.audit_key_file.display(), "new audit chain: head signed");
        }
        Ok(HeadAtStart::SignedNow { entries }) => {
            // Logged loudly: a head found unsigned after the first start means someone removed
            // its signature, and this line (outside the database) is what shows it.
            tracing::warn!(
                entries,
                key_file = %config.audit_key_file.display(),
                "the audit chain head was not signed (first start after upgrading, or a new database): signed now"
            );
            match store.verify_audit_chain().await {
                Ok(report) => {
                    if let Some((seq, why)) = report.first_broken {
                        tracing::error!(seq, why, "the audit chain was already broken when first signed");
                    }
                }
                Err(e) => tracing::error!(error = %e, "could not check the audit chain after signing it"),
            }
        }
        Err(e) => {
            store.close().await;
            let mut err = anyhow::Error::new(e);
            if key_created {
                err = err.context(format!(
                    "tệp khóa ký nhật ký {} vừa được tạo mới, nhưng nhật ký đã được ký bằng khóa khác: \
                     hãy chép tệp khóa cũ về đúng chỗ này",
                    config.audit_key_file.display()
                ));
            }
            return Err(err);
        }
    }
    Ok(store)
}

/// Connects with the configured audit key (created if missing) and migrates, without judging
/// the audit head: for `audit verify` and `audit accept`, which must run on a suspect log.
/// Returns whether the key file was created now.
pub async fn open_store_unchecked(config: &Config) -> anyhow::Result<(Store, bool)> {
    let (key, created) = load_or_create_audit_key(&config.audit_key_file)?;
    if created {
        tracing::info!(key_file = %config.audit_key_file.display(), "audit key created");
        if lanhmang_store::sqlite_file(&config.database_url).is_none() {
            tracing::info!(
                key_file = %config.audit_key_file.display(),
                "every server and worker on this PostgreSQL database must use this same audit key file"
            );
        }
    }
    let store = Store::connect(&config.database_url, Some(key))
        .await
        .map_err(|e| anyhow::anyhow!("{e}. Địa chỉ: {}", lanhmang_store::redact_url(&config.database_url)))?;
    let report = match store.migrate().await {
        Ok(report) => report,
        Err(e) => {
            store.close().await;
            return Err(anyhow::Error::new(e).context("không cập nhật được cấu trúc cơ sở dữ liệu"));
        }
    };
    for name in report.checksums_recorded {
        tracing::info!(
            migration = name,
            "migration checksum recorded (applied by an earlier version)"
        );
    }
    for name in report.applied {
        tracing::info!(migration = name, "migration applied");
    }
    Ok((store, created))
}

/// A running application, for `serve` and for tests.
pub struct Running {
    pub addr: SocketAddr,
    pub store: Arc<Store>,
    /// The application as the web serves it: its public visits counted in memory are written
    /// before the database closes.
    visits: lanhmang_app::App,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    background: Vec<JoinHandle<()>>,
}

pub fn job_settings(config: &Config) -> JobSettings {
    JobSettings {
        session_idle: time::Duration::minutes(config.session_idle_minutes),
        // Retries are looked for every minute, but only by a process that can send them.
        mail_interval: config.mail.as_ref().map(|_| Duration::from_secs(60)),
        reminder_days: config.reminder_days.clone(),
        concurrency: config.worker_concurrency,
        lease: Duration::from_secs(config.worker_lease_secs),
        ..Default::default()
    }
}

/// The website inspector's settings from `[inspect]`, over the inspector's defaults.
pub fn inspect_config(config: &Config) -> anyhow::Result<lanhmang_inspect::InspectConfig> {
    config.inspect.apply(lanhmang_inspect::InspectConfig::default())
}

/// What the workers inspect websites with.
pub fn supervision(
    config: &Config,
    inspect: lanhmang_inspect::InspectConfig,
) -> anyhow::Result<Arc<lanhmang_jobs::Supervision>> {
    Ok(Arc::new(lanhmang_jobs::Supervision::new(
        inspect,
        config.inspect.rdap()?,
    )))
}

/// The mailer the workers share, if a mail server is configured; a bad setting stops the start
/// rather than leaving mail to fail one by one.
pub fn mailer(config: &Config) -> anyhow::Result<Option<Arc<Mailer>>> {
    let Some(settings) = config.mail.clone() else {
        tracing::info!("no mail server configured ([mail] host): mail waits in the outbox");
        return Ok(None);
    };
    let (host, port, security) = (settings.host.clone(), settings.port, settings.security.as_str());
    let mailer = Mailer::new(settings).context("không dùng được cấu hình máy chủ thư [mail]")?;
    tracing::info!(%host, port, security, "mail is sent through this server");
    Ok(Some(Arc::new(mailer)))
}

/// Binds and starts serving; returns at once.
pub async fn start(config: &Config, store: Store) -> anyhow::Result<Running> {
    start_with(config, store, inspect_config(config)?).await
}

/// As [`start`], with the inspector's settings given (the demo trusts its simulated websites).
pub async fn start_with(
    config: &Config,
    store: Store,
    inspect: lanhmang_inspect::InspectConfig,
) -> anyhow::Result<Running> {
    // Before anything starts, so that a bad [mail] or [inspect] leaves nothing running.
    let mailer = if config.workers > 0 { mailer(config)? } else { None };
    let supervision = supervision(config, inspect)?;
    let store = Arc::new(store);
    let listener = tokio::net::TcpListener::bind(config.bind).await.with_context(|| {
        format!(
            "không mở được địa chỉ {} (cổng đang bận hoặc không được phép)",
            config.bind
        )
    })?;
    let addr = listener.local_addr()?;
    // On PostgreSQL each process answers news searches from its own index: start building it
    // now rather than on the first search (searches run on PostgreSQL until it is ready).
    if let Err(e) = store.prepare_news_index().await {
        tracing::warn!(error = %e, "news search index not started");
    }
    let (shutdown, watch_rx) = watch::channel(false);
    let state = lanhmang_web::AppState::new(store.clone(), config.web());
    let visits = state.app.clone();
    let app = lanhmang_web::app(state);
    let header_timeout = Duration::from_secs(config.request_timeout_secs);
    let server = tokio::spawn(serve(listener, app, header_timeout, watch_rx.clone()));
    let mut background = Vec::new();
    let settings = job_settings(config);
    for i in 0..config.workers {
        let worker = Worker::new(store.clone(), worker_name(&format!("serve{i}")), settings.clone())
            .with_app_settings(config.app_settings())
            .with_mailer(mailer.clone())
            .with_supervision(Some(supervision.clone()));
        background.push(tokio::spawn(worker.run_all(watch_rx.clone())));
    }
    if config.workers > 0 {
        background.push(tokio::spawn(Scheduler::new(store.clone(), settings).run(watch_rx)));
    }
    Ok(Running {
        addr,
        store,
        visits,
        shutdown,
        server,
        background,
    })
}

/// Serves HTTP/1.1 on `listener` until `stop` turns true, then lets the requests in flight
/// finish. Unlike `axum::serve`, a client must send a request's headers within
/// `header_timeout`: a connection that trickles them byte by byte is closed rather than held.
async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stopped(&mut stop) => break,
        };
        while connections.try_join_next().is_some() {}
        let service = app
            .clone()
            .map_request(move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                request.map(axum::body::Body::new)
            });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let mut stop = stop.clone();
        connections.spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopped(&mut stop) => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Resolves once `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it here, not across an await.
    let _ = stop.wait_for(|stop| *stop).await.map(|_| ());
}

impl Running {
    /// Stops accepting requests, lets those in flight and the jobs in hand finish, closes the
    /// database.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        let drained = tokio::time::timeout(Duration::from_secs(30), async {
            let served = self.server.await;
            for task in self.background {
                let _ = task.await;
            }
            served
        })
        .await;
        if let Err(e) = lanhmang_app::public_site::flush_visits(&self.visits).await {
            tracing::warn!(error = %e, "public visits not written at shutdown");
        }
        self.store.close().await;
        match drained {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(e.into()),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => {
                tracing::warn!("shutdown took longer than 30 s; stopping anyway");
                Ok(())
            }
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are registered when this is called, not when
/// the future is first polled, so a signal that arrives while the server is still printing its
/// address is not lost (it would otherwise end the process the default way).
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate()).ok();
        let int = signal(SignalKind::interrupt()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(term) => {}
                _ = wait(int) => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A worker's name, unique among every worker sharing the queue: host, process and a role.
pub fn worker_name(role: &str) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "may".into());
    format!("{host}-{}-{role}", std::process::id())
}
