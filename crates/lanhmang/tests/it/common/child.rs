//! The real binary as a child process (`lanhmang serve` or `lanhmang worker`), for tests that
//! kill it with SIGKILL and start it again on the same database.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::binary;

/// A `lanhmang` process. Dropping it kills it, so a failing test leaves nothing running.
pub struct ChildProcess {
    child: Child,
    /// Where its standard error goes (shown when it does not start).
    pub log: PathBuf,
}

/// A `lanhmang serve` process and the address it listens on.
pub struct ChildServer {
    pub process: ChildProcess,
    pub base: String,
}

impl ChildServer {
    /// Starts `lanhmang serve` on `database_url` on a free port, with `env` added, and waits
    /// until it says where it listens.
    pub fn start(database_url: &str, env: &[(&str, &str)], log: &Path) -> ChildServer {
        let mut child = spawn(
            database_url,
            &["serve", "--bind", "127.0.0.1:0"],
            Stdio::piped(),
            env,
            log,
        );
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        // Reads every line, so the child never blocks on a full pipe; the first address is sent.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("http://") {
                    let addr = line[at..].split_whitespace().next().unwrap_or("").to_string();
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr);
                    }
                }
            }
        });
        let process = ChildProcess {
            child,
            log: log.to_path_buf(),
        };
        let base = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr.trim_end_matches('/').to_string(),
            Err(_) => panic!(
                "lanhmang serve did not start within 60 s:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            ),
        };
        ChildServer { process, base }
    }

    /// SIGKILL: no handler runs, nothing is flushed or closed.
    pub fn kill(self) {
        self.process.kill();
    }
}

impl ChildProcess {
    /// Starts `lanhmang worker` on `database_url` with `env` added.
    pub fn worker(database_url: &str, env: &[(&str, &str)], log: &Path) -> ChildProcess {
        ChildProcess {
            child: spawn(database_url, &["worker"], Stdio::null(), env, log),
            log: log.to_path_buf(),
        }
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reaps the process.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `lanhmang --database-url URL ARGS…` with `env` added, its errors appended to `log`.
fn spawn(database_url: &str, args: &[&str], stdout: Stdio, env: &[(&str, &str)], log: &Path) -> std::process::Child {
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("log file");
    let mut cmd = binary();
    cmd.arg("--database-url")
        .arg(database_url)
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn()
        .unwrap_or_else(|e| panic!("start lanhmang {}: {e}", args.first().unwrap_or(&"")))
}
