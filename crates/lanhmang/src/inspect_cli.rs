//! `lanhmang inspect`: inspect websites from the command line, as a readable Vietnamese
//! report or as JSON lines.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use lanhmang_inspect::{InspectConfig, Inspector, Severity, SiteReport, parse_target};

pub struct InspectArgs {
    pub urls: Vec<String>,
    pub from_file: Option<PathBuf>,
    pub json: bool,
    pub allow_private: bool,
    pub max_pages: Option<usize>,
    pub concurrency: usize,
    pub ca_file: Option<PathBuf>,
    pub http_port: Option<u16>,
    pub https_port: Option<u16>,
}

pub async fn run(args: InspectArgs, settings: &crate::config::InspectSettings) -> anyhow::Result<bool> {
    let mut raw: Vec<String> = args.urls.clone();
    if let Some(file) = &args.from_file {
        let text = std::fs::read_to_string(file).with_context(|| format!("không đọc được tệp {}", file.display()))?;
        raw.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from),
        );
    }
    if raw.is_empty() {
        bail!("hãy cho ít nhất một địa chỉ website (hoặc --from-file TỆP)");
    }
    let mut targets = Vec::new();
    let mut bad = Vec::new();
    for r in &raw {
        match parse_target(r) {
            Ok(u) => targets.push(u),
            Err(e) => bad.push(e),
        }
    }
    if !bad.is_empty() {
        bail!("địa chỉ không hợp lệ:\n  {}", bad.join("\n  "));
    }
    let mut config = settings.apply(InspectConfig::default())?;
    if args.allow_private {
        config.allow_private_targets = true;
    }
    if let Some(n) = args.max_pages {
        config.max_pages = n.max(1);
    }
    if let Some(p) = args.http_port {
        config.http_port = p;
    }
    if let Some(p) = args.https_port {
        config.https_port = p;
    }
    if let Some(ca) = &args.ca_file {
        config
            .extra_roots_pem
            .push(std::fs::read_to_string(ca).with_context(|| format!("không đọc được {}", ca.display()))?);
    }
    let inspector = Arc::new(Inspector::new(config)?);
    let total = targets.len();
    let mut rx = inspector.inspect_many(targets, args.concurrency.max(1));
    let progress = std::io::stderr().is_terminal();
    let mut done = 0;
    let mut problems = 0;
    let mut stdout = std::io::stdout().lock();
    while let Some(report) = rx.recv().await {
        done += 1;
        if report.findings.iter().any(|f| f.severity >= Severity::High) {
            problems += 1;
        }
        if args.json {
            serde_json::to_writer(&mut stdout, &report)?;
            writeln!(stdout)?;
        } else {
            write!(stdout, "{}", human(&report))?;
        }
        stdout.flush()?;
        if progress {
            let width = 30;
            let filled = done * width / total.max(1);
            eprint!(
                "\r[{}{}] {done}/{total} website",
                "#".repeat(filled),
                ".".repeat(width - filled)
            );
        }
    }
    if progress {
        eprintln!();
    }
    if !args.json {
        writeln!(
            stdout,
            "Đã kiểm tra {done} website; {problems} website có vấn đề nghiêm trọng."
        )?;
    }
    Ok(problems == 0)
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "NGHIÊM TRỌNG",
        Severity::High => "Cao",
        Severity::Medium => "Trung bình",
        Severity::Low => "Thấp",
        Severity::Info => "Thông tin",
    }
}

/// The report as a school's website administrator reads it.
pub fn human(r: &SiteReport) -> String {
    let mut out = format!("\n== {}\n", r.url);
    if let Some(f) = &r.final_url
        && f != &r.url
    {
        out.push_str(&format!("   Địa chỉ cuối: {f}\n"));
    }
    match (r.reachable, r.status) {
        (true, Some(s)) => out.push_str(&format!(
            "   Truy cập được (HTTP {s}), {} trang đã xem, {} ms\n",
            r.pages_checked, r.elapsed_ms
        )),
        _ => out.push_str("   Không truy cập được\n"),
    }
    if let (Some(score), Some(grade)) = (r.score, &r.grade) {
        out.push_str(&format!(
            "   Tiêu đề bảo mật: hạng {grade} ({score} điểm, cách chấm của MDN HTTP Observatory)\n"
        ));
    }
    if let Some(t) = &r.tls {
        let days = t.days_to_expiry.map(|d| format!("còn {d} ngày")).unwrap_or_default();
        out.push_str(&format!("   TLS: {} {days}\n", t.version.clone().unwrap_or_default()));
    }
    if r.findings.is_empty() {
        out.push_str("   Không phát hiện vấn đề.\n");
    }
    for f in &r.findings {
        out.push_str(&format!(
            "   [{}] {} ({})\n",
            severity_label(f.severity),
            f.message,
            f.code.as_str()
        ));
        if !f.evidence.is_empty() {
            out.push_str(&format!("       Chi tiết: {}\n", f.evidence));
        }
        out.push_str(&format!("       Cách khắc phục: {}\n", f.hint));
    }
    if !r.feeds.is_empty() {
        let n: usize = r.feeds.iter().map(|f| f.entries.len()).sum();
        out.push_str(&format!(
            "   Nguồn tin: {} ({} bài)\n",
            r.feeds.iter().map(|f| f.url.as_str()).collect::<Vec<_>>().join(", "),
            n
        ));
    }
    out
}
