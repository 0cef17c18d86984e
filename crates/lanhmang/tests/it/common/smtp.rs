//! A real SMTP server for tests: Python's aiosmtpd on 127.0.0.1, on a port of its choosing.
//! It accepts every recipient except two kinds, so that one server shows all outcomes:
//! local parts starting `tam-thoi` get `451` (try later), `khong-ton-tai` get `550` (no such
//! user). Each accepted message is written as one JSON file (envelope, decoded headers and body,
//! raw data) into a folder the test reads.
//!
//! Without python3 and aiosmtpd (after one `pip install --user aiosmtpd`), [`SmtpServer::start`]
//! returns `None` so the test can be skipped, except under `CI=true`, where it panics.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SERVER_PY: &str = r#"
import asyncio, email, itertools, json, os, sys
from email import policy
from aiosmtpd.smtp import SMTP

out_dir = sys.argv[1]
counter = itertools.count()

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split('@', 1)[0]
        if local.startswith('tam-thoi'):
            return '451 4.3.0 Mailbox busy, try again later'
        if local.startswith('khong-ton-tai'):
            return '550 5.1.1 No such user here'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=policy.default)
        part = msg.get_body(preferencelist=('plain',))
        record = {
            'mail_from': envelope.mail_from,
            'rcpt_tos': envelope.rcpt_tos,
            'from': str(msg['from']),
            'to': str(msg['to']),
            'subject': str(msg['subject']),
            'message_id': str(msg['message-id']),
            'date': str(msg['date']),
            'content_type': msg.get_content_type(),
            'charset': msg.get_content_charset(),
            'body': part.get_content() if part is not None else None,
            'raw': envelope.original_content.decode('utf-8', 'replace'),
        }
        n = next(counter)
        tmp = os.path.join(out_dir, '.%06d.tmp' % n)
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump(record, f, ensure_ascii=False)
        # Renamed once complete, so the test never reads half a file.
        os.replace(tmp, os.path.join(out_dir, '%06d.json' % n))
        return '250 2.0.0 Message accepted'

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Handler(), hostname='smtp.test.invalid'), '127.0.0.1', 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    # Ends when the test process goes away, however it ends: stdin closes.
    await loop.run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"#;

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub date: String,
    pub content_type: String,
    pub charset: String,
    pub body: String,
    pub raw: String,
}

pub struct SmtpServer {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

fn python_works(python: &str) -> bool {
    Command::new(python)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A python with aiosmtpd, installing it once for the user if need be.
fn python() -> Option<String> {
    static FOUND: OnceLock<Option<String>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            if python_works("python3") {
                return Some("python3".into());
            }
            let has_python = Command::new("python3")
                .arg("--version")
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !has_python {
                return None;
            }
            eprintln!("aiosmtpd is missing: python3 -m pip install --user aiosmtpd");
            let _ = Command::new("python3")
                .args(["-m", "pip", "install", "--quiet", "--user", "aiosmtpd"])
                .status();
            python_works("python3").then(|| "python3".into())
        })
        .clone()
}

impl SmtpServer {
    /// Starts the server, or returns `None` (after saying why) when python3 with aiosmtpd
    /// cannot be had. Under `CI=true` that is a failure.
    pub fn start() -> Option<SmtpServer> {
        let Some(python) = python() else {
            let why = "python3 with aiosmtpd is not available (python3 -m pip install aiosmtpd)";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true: {why}; the mail tests need a real SMTP server");
            }
            eprintln!("SKIPPED: {why}");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let script = dir.path().join("smtp_server.py");
        std::fs::write(&script, SERVER_PY).expect("write server script");
        let inbox = dir.path().join("inbox");
        std::fs::create_dir(&inbox).expect("inbox");
        let mut child = Command::new(python)
            .arg(&script)
            .arg(&inbox)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the SMTP server's port");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the SMTP server did not start: {line:?}"));
        Some(SmtpServer { port, child, dir })
    }

    fn inbox(&self) -> PathBuf {
        self.dir.path().join("inbox")
    }

    /// Every message accepted so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.inbox())
            .expect("inbox")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(p).expect("message file")).expect("json");
                let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                Received {
                    mail_from: text("mail_from"),
                    rcpt_tos: v["rcpt_tos"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|r| r.as_str().map(String::from)).collect())
                        .unwrap_or_default(),
                    from: text("from"),
                    to: text("to"),
                    subject: text("subject"),
                    message_id: text("message_id"),
                    date: text("date"),
                    content_type: text("content_type"),
                    charset: text("charset"),
                    body: text("body"),
                    raw: text("raw"),
                }
            })
            .collect()
    }

    /// Waits until at least `n` messages arrived (or `within` passed); returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n || start.elapsed() > within {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}
