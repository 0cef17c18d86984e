//! What `bench/load` and the other benchmarks that drive a running server share: the release
//! `lanhmang` binary started as a child process on a benchmark database, and stopped again.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use lanhmang_store::bench_data::bench_audit_key;
use tokio::time::Instant;

/// The release binary and where its files go.
#[derive(Debug, Clone)]
pub struct ServerFiles {
    /// The `lanhmang` binary (a release build).
    pub bin: PathBuf,
    /// The audit key, the server's data folder and its logs go here.
    pub data: PathBuf,
}

impl ServerFiles {
    /// `lanhmang <args>` on the database `url` with the benchmark's audit key; its output goes
    /// to `<data>/<log>.log`.
    pub fn command(&self, url: &str, backend: &str, log: &str) -> anyhow::Result<std::process::Command> {
        if !self.bin.exists() {
            bail!("no server binary at {}", self.bin.display());
        }
        std::fs::create_dir_all(&self.data)?;
        let key_file = self.data.join("audit.key");
        std::fs::write(&key_file, bench_audit_key().as_bytes())?;
        #[cfg(unix)]
        std::fs::set_permissions(&key_file, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        let log = std::fs::File::create(self.log(log))?;
        let mut command = std::process::Command::new(&self.bin);
        command
            .env("LANHMANG_DATABASE_URL", url)
            .env("LANHMANG_DATA_DIR", self.data.join(format!("data-{backend}")))
            .env("LANHMANG_AUDIT_KEY_FILE", &key_file)
            .env("LANHMANG_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        Ok(command)
    }

    pub fn log(&self, name: &str) -> PathBuf {
        self.data.join(format!("{name}.log"))
    }
}

pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:<port>`
    pub base: String,
}

impl Drop for Server {
    /// A bench that stops early (an error, a panic) takes its server with it: one left running
    /// would keep the port and answer the next run from a database that run deletes.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The server's address on 127.0.0.1, refused when something listens there already.
pub fn port_is_free(port: u16) -> anyhow::Result<String> {
    let addr = format!("127.0.0.1:{port}");
    if std::net::TcpStream::connect(&addr).is_ok() {
        bail!("something already listens on {addr} (a server left by an earlier run?); stop it or pass --port");
    }
    Ok(addr)
}

/// Starts `lanhmang serve` on the database `url` at 127.0.0.1:`port` and waits (at most 60 s)
/// until `/healthz` answers.
pub async fn start_server(files: &ServerFiles, url: &str, backend: &str, port: u16) -> anyhow::Result<Server> {
    let addr = port_is_free(port)?;
    let log = format!("serve-{backend}");
    let child = files
        .command(url, backend, &log)?
        .arg("serve")
        .arg("--bind")
        .arg(&addr)
        .spawn()
        .with_context(|| format!("starting {}", files.bin.display()))?;
    let mut server = Server {
        child,
        base: format!("http://{addr}"),
    };
    let client = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs(60);
    let log = files.log(&log);
    loop {
        if let Some(status) = server.child.try_wait()? {
            bail!("the server stopped before answering ({status}); see {}", log.display());
        }
        if let Ok(r) = client.get(format!("{}/healthz", server.base)).send().await
            && r.status().is_success()
        {
            return Ok(server);
        }
        if Instant::now() > until {
            bail!("the server did not answer /healthz within 60 s (see {})", log.display());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Stops the server as a service manager would (SIGTERM, the graceful stop), with SIGKILL
/// after 20 s.
pub async fn stop_server(mut server: Server) -> anyhow::Result<()> {
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(server.child.id().to_string())
        .status();
    let until = Instant::now() + Duration::from_secs(20);
    while server.child.try_wait()?.is_none() {
        if Instant::now() > until {
            server.child.kill()?;
            server.child.wait()?;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Runs `lanhmang <args>` on the database `url` to its end (at most `limit`), failing when it
/// does.
pub async fn run_command(
    files: &ServerFiles,
    url: &str,
    backend: &str,
    args: &[&str],
    limit: Duration,
) -> anyhow::Result<()> {
    let log = format!("{}-{backend}", args.join("-"));
    let mut child = files.command(url, backend, &log)?.args(args).spawn()?;
    let until = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            if !status.success() {
                bail!(
                    "lanhmang {} failed ({status}); see {}",
                    args.join(" "),
                    files.log(&log).display()
                );
            }
            return Ok(());
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "lanhmang {} did not finish within {} s",
                args.join(" "),
                limit.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
