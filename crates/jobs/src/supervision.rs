//! Website supervision jobs: inspecting one site (a full inspection or a reachability check)
//! under the standard in force for its unit, the office's daily digest, and domain
//! registration lookups through RDAP.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use lanhmang_app::App;
use lanhmang_domain::finding::{FindingCode, Severity};
use lanhmang_domain::supervision::{self, StandardRules};
use lanhmang_inspect::config::InspectConfig;
use lanhmang_inspect::fetch::{Fetcher, Request};
use lanhmang_inspect::inspector::{Inspector, SiteReport};
use lanhmang_store::Store;
use lanhmang_store::jobs::Job;
use lanhmang_store::sites::{FoundIssue, InspectionRecord};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};
use url::Url;

use crate::JobError;

/// What an inspection job carries.
#[derive(Debug, Deserialize)]
struct InspectPayload {
    site_id: i64,
    #[serde(default)]
    mode: String,
}

/// Inspectors for the standards in use (they differ in thresholds), built once and shared by
/// every job of the process, so connection pools and the link cache are reused.
pub struct Supervision {
    base: InspectConfig,
    inspectors: Mutex<HashMap<(u32, u32), Arc<Inspector>>>,
    rdap_base: Option<Url>,
}

impl Supervision {
    /// `base` holds the limits and network settings; `rdap_base` the RDAP service asked about
    /// domain registrations (none: registrations are not looked up).
    pub fn new(base: InspectConfig, rdap_base: Option<Url>) -> Supervision {
        Supervision {
            base,
            inspectors: Mutex::new(HashMap::new()),
            rdap_base,
        }
    }

    /// The inspector's base settings (limits, address guard, trusted roots).
    pub fn inspect_config(&self) -> &InspectConfig {
        &self.base
    }

    fn inspector(&self, rules: &StandardRules) -> Result<Arc<Inspector>, JobError> {
        let key = (rules.stale_after_days, rules.cert_warning_days);
        let mut map = self.inspectors.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = map.get(&key) {
            return Ok(i.clone());
        }
        let config = InspectConfig {
            stale_after_days: i64::from(rules.stale_after_days),
            expiring_within_days: i64::from(rules.cert_warning_days),
            ..self.base.clone()
        };
        let inspector = Arc::new(Inspector::new(config).map_err(|e| JobError::Setup(e.to_string()))?);
        map.insert(key, inspector.clone());
        Ok(inspector)
    }
}

/// Runs one inspection job and stores its result, completing the job in the same transaction
/// (only while `worker` still holds its lease).
pub async fn inspect_site(app: &App, sup: &Supervision, job: &Job, worker: &str) -> Result<String, JobError> {
    let store = &*app.store;
    let payload: InspectPayload =
        serde_json::from_str(&job.payload).map_err(|e| JobError::BadPayload(format!("{}: {e}", job.payload)))?;
    let Some(site) = store.site(payload.site_id).await? else {
        store.complete_job(job.id, worker).await?;
        return Ok(format!("website {} không còn trong danh sách", payload.site_id));
    };
    if !site.active {
        store.complete_job(job.id, worker).await?;
        return Ok(format!("{} đang tạm dừng theo dõi", site.url));
    }
    let standard = store.standard_for(&site.ancestry).await?;
    let rules = standard.as_ref().map(|s| s.rules.clone()).unwrap_or_default();
    let target = Url::parse(&site.url).map_err(|e| JobError::BadPayload(format!("{}: {e}", site.url)))?;
    let inspector = sup.inspector(&rules)?;
    let started_at = lanhmang_store::now();
    let full = payload.mode != "check";
    let mut record = if full {
        let report = inspector
            .inspect_bounded(&target, inspector.config().site_timeout)
            .await;
        record_of(&report, &rules)
    } else {
        check_reachability(inspector.fetcher(), &target).await
    };
    record.site_id = site.id;
    record.job = Some((job.id, worker.to_string()));
    record.standard_id = standard.as_ref().map(|s| s.id);
    record.started_at = started_at;
    let feeds = feed_urls(&record.detail);
    let (recorded, new_feeds) = lanhmang_app::supervision::inspection::record(app, &record, &feeds).await?;
    // Feeds found on the site are followed; new ones are read at once rather than at the next
    // scheduler round.
    if new_feeds > 0 {
        let kind = crate::JobKind::PollFeeds.as_str();
        store.enqueue_job(kind, "{}", lanhmang_store::now(), Some(kind)).await?;
    }
    Ok(format!(
        "{} {}: {} ({} phát hiện mới, {} đã hết, {} cảnh báo)",
        if full { "kiểm tra" } else { "thử truy cập" },
        site.url,
        if record.reachable {
            "truy cập được"
        } else {
            "không truy cập được"
        },
        recorded.new_findings,
        recorded.resolved,
        recorded.alerts.len()
    ))
}

fn feed_urls(detail: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(detail)
        .ok()
        .and_then(|v| {
            v.get("feeds").and_then(|f| f.as_array()).map(|a| {
                a.iter()
                    .filter_map(|f| f.get("url").and_then(|u| u.as_str()).map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default()
}

fn empty_record(reachable: bool) -> InspectionRecord {
    InspectionRecord {
        site_id: 0,
        job: None,
        full: true,
        standard_id: None,
        started_at: OffsetDateTime::UNIX_EPOCH,
        reachable,
        http_status: None,
        grade: None,
        score: None,
        cert_expires_at: None,
        pages_checked: 0,
        broken_links: 0,
        elapsed_ms: 0,
        meets_standard: None,
        compromised: false,
        disclosure_gap: false,
        issues: Vec::new(),
        detail: "{}".into(),
    }
}

/// A full inspection's report, judged by the standard.
pub fn record_of(report: &SiteReport, rules: &StandardRules) -> InspectionRecord {
    let mut issues: Vec<FoundIssue> = report
        .findings
        .iter()
        .filter(|f| rules.counts(f.code.as_str(), &f.evidence))
        .map(|f| FoundIssue {
            code: f.code.as_str().to_string(),
            severity: severity_name(f.severity),
            evidence: f.evidence.clone(),
        })
        .collect();
    if report.reachable && rules.grade_too_low(report.grade.as_deref()) {
        let code = FindingCode::WeakSecurityHeaders;
        issues.push(FoundIssue {
            code: code.as_str().to_string(),
            severity: severity_name(code.severity()),
            evidence: format!(
                "hạng {} (điểm {}), tối thiểu theo tiêu chí: {}",
                report.grade.as_deref().unwrap_or("?"),
                report.score.unwrap_or(0),
                rules.min_header_grade
            ),
        });
    }
    let compromised = issues
        .iter()
        .any(|i| FindingCode::parse(&i.code).is_some_and(|c| c.is_compromise()));
    let disclosure_gap = issues
        .iter()
        .any(|i| FindingCode::parse(&i.code).is_some_and(|c| c.is_disclosure_gap()));
    let broken_links = report
        .findings
        .iter()
        .filter(|f| f.code.is_broken_link())
        .map(|f| f.evidence.split(", ").filter(|s| !s.is_empty()).count() as i64)
        .sum();
    // Reachable for visitors: an answer below 500 at the end of the redirects. A redirect loop
    // or a server error is as good as down for a parent opening the site.
    let reachable = report.reachable
        && report.status.is_some_and(|s| s < 500)
        && !report.findings.iter().any(|f| f.code == FindingCode::TooManyRedirects);
    if !reachable && !issues.iter().any(|i| i.code == FindingCode::Unreachable.as_str()) {
        let code = FindingCode::Unreachable;
        issues.push(FoundIssue {
            code: code.as_str().to_string(),
            severity: severity_name(code.severity()),
            evidence: match report.status {
                Some(s) if s >= 500 => format!("trang chủ trả về mã lỗi {s}"),
                _ => "trang chủ không mở được (chuyển hướng vòng quanh hoặc không trả lời)".to_string(),
            },
        });
    }
    // A site whose home page could not be graded was not really inspected: it does not meet.
    let meets = report.grade.is_some()
        && supervision::meets_standard(reachable, issues.iter().map(|i| (i.code.as_str(), i.severity.as_str())));
    let cert_expires_at = report
        .tls
        .as_ref()
        .and_then(|t| t.expires_at)
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok());
    let detail = serde_json::json!({
        "final_url": report.final_url,
        "header_tests": report.header_tests,
        "tls": report.tls,
        "feeds": report.feeds.iter().map(|f| serde_json::json!({"url": f.url, "title": f.title, "entries": f.entries.len()})).collect::<Vec<_>>(),
        "findings": report.findings,
    });
    InspectionRecord {
        http_status: report.status.map(i64::from),
        grade: report.grade.clone(),
        score: report.score.map(i64::from),
        cert_expires_at,
        pages_checked: report.pages_checked as i64,
        broken_links,
        elapsed_ms: report.elapsed_ms as i64,
        meets_standard: Some(meets),
        compromised,
        disclosure_gap,
        issues,
        detail: cap_detail(detail),
        ..empty_record(reachable)
    }
}

/// Stored details are capped: a hostile site cannot fill the database.
fn cap_detail(detail: serde_json::Value) -> String {
    const MAX: usize = 64 * 1024;
    let text = detail.to_string();
    if text.len() <= MAX {
        return text;
    }
    let mut slim = detail;
    if let Some(o) = slim.as_object_mut() {
        o.remove("findings");
        o.insert("truncated".into(), serde_json::Value::Bool(true));
    }
    let text = slim.to_string();
    if text.len() <= MAX {
        text
    } else {
        "{\"truncated\":true}".into()
    }
}

fn severity_name(s: Severity) -> String {
    s.as_str().to_string()
}

/// The hourly check: one request to the home page.
async fn check_reachability(fetcher: &Fetcher, target: &Url) -> InspectionRecord {
    let started = std::time::Instant::now();
    let result = fetcher.fetch(target, &Request::follow_capped(64 * 1024)).await;
    let elapsed_ms = started.elapsed().as_millis() as i64;
    match result {
        Ok(r) if r.status < 500 => InspectionRecord {
            full: false,
            http_status: Some(i64::from(r.status)),
            elapsed_ms,
            ..empty_record(true)
        },
        other => {
            let (status, evidence) = match other {
                Ok(r) => (Some(i64::from(r.status)), format!("máy chủ trả về mã {}", r.status)),
                Err(e) => (None, e.to_string()),
            };
            let code = FindingCode::Unreachable;
            InspectionRecord {
                full: false,
                http_status: status,
                elapsed_ms,
                issues: vec![FoundIssue {
                    code: code.as_str().into(),
                    severity: severity_name(code.severity()),
                    evidence,
                }],
                ..empty_record(false)
            }
        }
    }
}

/// Looks up registration expiry dates through RDAP for hosts not checked in a week; each host
/// is asked under its own name, then its parent domains (a school's subdomain is registered
/// under its office's domain). Returns how many hosts were looked up.
pub async fn lookup_domains(store: &Store, sup: &Supervision, limit: i64) -> Result<usize, JobError> {
    let Some(base) = &sup.rdap_base else {
        return Ok(0);
    };
    let hosts = store
        .domains_due_for_lookup(lanhmang_store::now() - Duration::days(7), limit)
        .await?;
    let fetcher = Fetcher::new(Arc::new(InspectConfig {
        request_timeout: StdDuration::from_secs(10),
        ..sup.base.clone()
    }))
    .map_err(|e| JobError::Setup(e.to_string()))?;
    for host in &hosts {
        let (expires, registrar, error) = rdap_lookup(&fetcher, base, host).await;
        store.record_domain_lookup(host, expires, &registrar, &error).await?;
    }
    Ok(hosts.len())
}

async fn rdap_lookup(fetcher: &Fetcher, base: &Url, host: &str) -> (Option<OffsetDateTime>, String, String) {
    let labels: Vec<&str> = host.split('.').collect();
    let mut last_error = String::from("không tìm thấy thông tin đăng ký");
    for start in 0..labels.len().saturating_sub(1) {
        let name = labels[start..].join(".");
        let Ok(url) = base.join(&format!("domain/{name}")) else {
            return (None, String::new(), "địa chỉ dịch vụ RDAP không hợp lệ".into());
        };
        let request = Request {
            follow_redirects: true,
            accept: Some("application/rdap+json, application/json"),
            body_limit: Some(256 * 1024),
            ..Default::default()
        };
        match fetcher.fetch(&url, &request).await {
            Ok(r) if r.status == 200 => return lanhmang_inspect::rdap::parse(&r.body),
            Ok(r) if r.status == 404 => continue,
            Ok(r) => last_error = format!("dịch vụ RDAP trả về mã {}", r.status),
            Err(e) => return (None, String::new(), format!("không hỏi được dịch vụ RDAP: {e}")),
        }
    }
    (None, String::new(), last_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A local RDAP service: a school's subdomain is unknown (404), its parent domain answers.
    async fn rdap_server() -> std::net::SocketAddr {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            for _ in 0..20 {
                let Ok((mut conn, _)) = listener.accept().await else {
                    break;
                };
                let mut buf = vec![0u8; 4096];
                let n = conn.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).to_string();
                let (status, body) = if request.starts_with("GET /rdap/domain/pgd-anbinh.edu.vn ") {
                    (
                        "200 OK",
                        r#"{"events":[{"eventAction":"expiration","eventDate":"2030-05-01T00:00:00Z"}]}"#.to_string(),
                    )
                } else {
                    ("404 Not Found", "{}".to_string())
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/rdap+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.write_all(response.as_bytes()).await;
            }
        });
        addr
    }

    lanhmang_store::both_backends!(
        registrations_are_looked_up_through_rdap_and_offices_get_one_digest_a_day_on_every_backend
    );
    async fn registrations_are_looked_up_through_rdap_and_offices_get_one_digest_a_day_on_every_backend(
        backend: &'static str,
    ) {
        use lanhmang_domain::supervision::{SiteKind, StandardRules};
        use lanhmang_store::AuditContext;
        use lanhmang_store::sites::NewSite;
        use lanhmang_store::test_support::TestDb;
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let unit = |code: &str, kind: &str| {
                lanhmang_domain::unit::UnitInput {
                    code: code.into(),
                    name: format!("Đơn vị {code}"),
                    kind: kind.into(),
                    school_level: if kind == "school" { "th".into() } else { String::new() },
                    ..Default::default()
                }
                .parse()
                .unwrap()
            };
            let office = store.create_unit(&ctx, None, &unit("PGD", "office")).await.unwrap();
            let school = store
                .create_unit(&ctx, Some(office.id), &unit("TH-A", "school"))
                .await
                .unwrap();
            let person = lanhmang_domain::person::PersonInput {
                username: "chuyenvien".into(),
                display_name: "Chuyên viên".into(),
                email: "chuyenvien@pgd.edu.vn".into(),
                ..Default::default()
            }
            .parse()
            .unwrap();
            let p = store
                .create_person(&ctx, office.id, &person, None, false)
                .await
                .unwrap();
            store
                .grant_role(&ctx, p.id, lanhmang_domain::Role::OfficeAdmin, office.id)
                .await
                .unwrap();
            store
                .add_site(
                    &ctx,
                    &NewSite {
                        unit_id: school.id,
                        url: "https://th-a.pgd-anbinh.edu.vn/".into(),
                        host: "th-a.pgd-anbinh.edu.vn".into(),
                        kind: SiteKind::Website,
                        name: String::new(),
                    },
                    &StandardRules::default(),
                )
                .await
                .unwrap();

            let addr = rdap_server().await;
            let base = Url::parse(&format!("http://{addr}/rdap/")).unwrap();
            let sup = Supervision::new(
                InspectConfig {
                    allow_private_targets: true,
                    ..Default::default()
                },
                Some(base),
            );
            assert_eq!(lookup_domains(&store, &sup, 10).await.unwrap(), 1, "{backend}");
            let (domains, _) = store
                .domain_inventory(&[office.id], lanhmang_domain::Paging::default())
                .await
                .unwrap();
            assert_eq!(
                domains[0].registration_expires_at.map(|t| t.year()),
                Some(2030),
                "{backend}: found under the parent domain"
            );
            assert_eq!(
                lookup_domains(&store, &sup, 10).await.unwrap(),
                0,
                "{backend}: not again this week"
            );
            let without = Supervision::new(InspectConfig::default(), None);
            assert_eq!(lookup_domains(&store, &without, 10).await.unwrap(), 0);

            let today = lanhmang_domain::report::vietnam_date(lanhmang_store::now());
            let app = lanhmang_app::App::new(
                Arc::new(store),
                lanhmang_app::Settings {
                    links: lanhmang_app::Links::new(Some("https://lanhmang.example.vn/")),
                    ..Default::default()
                },
            );
            let digests = |app: lanhmang_app::App| async move {
                lanhmang_app::supervision::digest::queue_office_digests(&app, today)
                    .await
                    .unwrap()
            };
            assert_eq!(digests(app.clone()).await, 1, "{backend}");
            assert_eq!(digests(app.clone()).await, 0, "{backend}: once a day");
            // The digest's link can be clicked in a mail client: it is absolute.
            let mail = app
                .store
                .claim_mail(time::Duration::minutes(5))
                .await
                .unwrap()
                .expect("the digest is queued");
            assert!(
                mail.body.contains("https://lanhmang.example.vn/giam-sat\n"),
                "{backend}: {}",
                mail.body
            );
            drop(app);
            db.cleanup().await;
        }
    }

    #[tokio::test]
    async fn the_hourly_check_tells_up_from_down() {
        let web = lanhmang_fixture_web::start(lanhmang_fixture_web::FixtureConfig {
            sites: 3,
            http_port: 0,
            tls_port: None,
            seed: 3,
        })
        .await
        .unwrap();
        let inspector = Inspector::new(InspectConfig {
            allow_private_targets: true,
            retries: 0,
            ..Default::default()
        })
        .unwrap();
        // With this seed the first site answers normally.
        let up = check_reachability(inspector.fetcher(), &Url::parse(&web.manifest[0].url).unwrap()).await;
        assert!(up.reachable && !up.full && up.issues.is_empty(), "{up:?}");
        let closed = format!("http://127.0.0.1:{}/", web.closed_port());
        let down = check_reachability(inspector.fetcher(), &Url::parse(&closed).unwrap()).await;
        assert!(!down.reachable);
        assert_eq!(down.issues[0].code, "unreachable");
        assert!(!down.issues[0].evidence.is_empty());
        web.shutdown().await;
    }

    #[test]
    fn details_are_capped() {
        let big = serde_json::json!({"findings": "x".repeat(100_000), "final_url": "https://a.vn/"});
        let text = cap_detail(big);
        assert!(text.len() < 1000 && text.contains("truncated"));
    }
}
