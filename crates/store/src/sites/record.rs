//! Recording one inspection run. Everything that follows from a run commits in one transaction,
//! in named steps: complete the job (only while the worker holds its lease), store the run,
//! reconcile the findings, decide the site's alert flags, update the site's latest state, and
//! write the notices (in-app notifications and mail). The decisions are plain functions over
//! what was read; the statements are small macros over the open transaction, so one text
//! serves both backends.

use crate::BeginWrite;
use std::collections::BTreeSet;

use lanhmang_domain::finding::FindingCode;
use lanhmang_domain::supervision::{self, AlertChange, AlertFlag, SiteState};
use time::OffsetDateTime;

use super::{AlertTexts, FoundIssue, InspectionRecord, Recipient, Recorded, Site};
use crate::outbox::NewMail;
use crate::{Backend, Result, Store, StoreError, now};

/// A finding still open (or acknowledged, or claimed fixed) before the run.
type LiveFinding = (i64, String, String);

/// What the run does to the site's findings.
#[derive(Debug, Default)]
struct FindingPlan<'a> {
    /// Seen again: (finding id, issue); a finding claimed fixed reopens.
    seen: Vec<(i64, &'a FoundIssue)>,
    reopened: usize,
    /// Found for the first time.
    new: Vec<&'a FoundIssue>,
    /// No longer found: resolved.
    resolved: Vec<i64>,
}

/// Whether a run of this kind speaks about this finding: a check only knows reachability.
fn in_scope(full: bool, code: &str) -> bool {
    full || code == FindingCode::Unreachable.as_str()
}

/// Step: compare what the run found with the live findings.
fn reconcile_findings<'a>(rec: &'a InspectionRecord, live: &[LiveFinding]) -> FindingPlan<'a> {
    let mut plan = FindingPlan::default();
    for issue in rec.issues.iter().filter(|i| in_scope(rec.full, &i.code)) {
        match live.iter().find(|(_, code, _)| *code == issue.code) {
            Some((id, _, state)) => {
                if state == "fixed" {
                    plan.reopened += 1;
                }
                plan.seen.push((*id, issue));
            }
            None => plan.new.push(issue),
        }
    }
    let found: BTreeSet<&str> = rec.issues.iter().map(|i| i.code.as_str()).collect();
    for (id, code, _) in live {
        // A site that cannot be reached says nothing about its content: keep those findings.
        let judged = rec.reachable || code == FindingCode::Unreachable.as_str();
        if in_scope(rec.full, code) && judged && !found.contains(code.as_str()) {
            plan.resolved.push(*id);
        }
    }
    plan
}

/// Step: the site's alert conditions after the run. A full run of a reachable site decides them
/// all; an unreachable site or a check can only change "down", the rest stays as last seen.
fn next_flags(rec: &InspectionRecord, before: &BTreeSet<AlertFlag>, t: OffsetDateTime) -> BTreeSet<AlertFlag> {
    if rec.full && rec.reachable {
        let cert_days = rec.cert_expires_at.map(|c| (c - t).whole_days());
        return supervision::alert_flags(true, cert_days, rec.compromised, rec.disclosure_gap);
    }
    let mut after = before.clone();
    if rec.reachable {
        after.remove(&AlertFlag::Down);
    } else {
        after.insert(AlertFlag::Down);
    }
    after
}

/// Step: the site's headline after the run, from the findings left open. Only a full run of a
/// reachable site gives a new verdict; otherwise the last one stands (a site found down does
/// not meet the standard, as the statement below writes).
fn site_state(rec: &InspectionRecord, meets_before: Option<bool>, open_codes: &[String]) -> SiteState {
    let meets = if rec.full && rec.reachable {
        rec.meets_standard
    } else if rec.reachable {
        meets_before
    } else {
        Some(false)
    };
    SiteState::derive(Some(rec.reachable), meets, open_codes.iter().map(String::as_str))
}

/// The stable name of an alert, stored as the notification's kind and in its dedup key.
fn alert_kind(change: AlertChange) -> &'static str {
    match change {
        AlertChange::Started(flag) => flag.as_str(),
        AlertChange::BackToNormal => "back_to_normal",
    }
}

/// One in-app notification to write.
#[derive(Debug)]
struct NotificationRow {
    person_id: i64,
    kind: &'static str,
    title: String,
    body: String,
    link: String,
    dedup_key: String,
}

/// Step: the notices the alert changes raise. Everyone hears in the app; the office reads its
/// alerts there and in the daily digest, the school's people get each one by mail too. A given
/// alert reaches a person once a day (dedup keys on the Vietnam day).
fn compose_notices(
    site: &Site,
    recipients: &[Recipient],
    changes: &[AlertChange],
    texts: &dyn AlertTexts,
    t: OffsetDateTime,
) -> (Vec<NotificationRow>, Vec<NewMail>) {
    let day = lanhmang_domain::report::vietnam_date(t).to_string();
    let (mut rows, mut mails) = (Vec::new(), Vec::new());
    for change in changes {
        let kind = alert_kind(*change);
        let notice = texts.notification(site, *change);
        for r in recipients {
            let key = format!("site:{}:{kind}:{day}:{}", site.id, r.person_id);
            if let (Some(email), false) = (&r.email, r.office) {
                let mail = texts.mail(site, *change, r);
                mails.push(NewMail {
                    to_address: email.clone(),
                    to_name: r.name.clone(),
                    subject: mail.subject,
                    body: mail.body,
                    reason: "site_alert",
                    plan_id: None,
                    unit_id: Some(site.unit_id),
                    dedup_key: Some(format!("alert:{key}")),
                });
            }
            rows.push(NotificationRow {
                person_id: r.person_id,
                kind,
                title: notice.title.clone(),
                body: notice.body.clone(),
                link: notice.link.clone(),
                dedup_key: key,
            });
        }
    }
    (rows, mails)
}

/// Completes the job in the open transaction, only while `worker` still holds it.
macro_rules! complete_job_in_tx {
    ($tx:expr, $job:expr, $t:expr) => {{
        if let Some((job_id, worker)) = $job {
            let held = sqlx::query(
                "UPDATE jobs SET state = 'done', finished_at = $1, locked_by = NULL, lease_until = NULL, last_error = NULL \
                 WHERE id = $2 AND locked_by = $3 AND state = 'running'",
            )
            .bind($t)
            .bind(job_id)
            .bind(worker)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if held == 0 {
                return Err(StoreError::Conflict(format!(
                    "việc {job_id} không còn thuộc {worker} (hết hạn giữ việc); kết quả bỏ qua"
                )));
            }
        }
    }};
}

/// Stores the run itself; evaluates to its id.
macro_rules! insert_run_in_tx {
    ($tx:expr, $rec:expr, $t:expr) => {{
        let rec: &InspectionRecord = $rec;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO site_inspections (site_id, mode, job_id, worker, standard_id, started_at, finished_at, reachable, \
             http_status, grade, score, cert_expires_at, pages_checked, broken_links, findings, meets_standard, elapsed_ms, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
        )
        .bind(rec.site_id)
        .bind(if rec.full { "full" } else { "check" })
        .bind(rec.job.as_ref().map(|j| j.0))
        .bind(rec.job.as_ref().map(|j| j.1.as_str()).unwrap_or(""))
        .bind(rec.standard_id)
        .bind(rec.started_at)
        .bind($t)
        .bind(rec.reachable)
        .bind(rec.http_status)
        .bind(&rec.grade)
        .bind(rec.score)
        .bind(rec.cert_expires_at)
        .bind(rec.pages_checked)
        .bind(rec.broken_links)
        .bind(rec.issues.len() as i64)
        .bind(rec.meets_standard)
        .bind(rec.elapsed_ms)
        .bind(&rec.detail)
        .fetch_one(&mut *$tx)
        .await?;
        id
    }};
}

/// Applies a [`FindingPlan`]; evaluates to the codes of the findings left open.
macro_rules! apply_findings_in_tx {
    ($tx:expr, $site_id:expr, $plan:expr, $t:expr) => {{
        let plan: &FindingPlan = $plan;
        for (id, issue) in &plan.seen {
            sqlx::query(
                "UPDATE site_findings SET last_seen_at = $1, evidence = $2, severity = $3, \
                 state = CASE WHEN state = 'fixed' THEN 'open' ELSE state END, \
                 reopened = reopened + CASE WHEN state = 'fixed' THEN 1 ELSE 0 END WHERE id = $4",
            )
            .bind($t)
            .bind(&issue.evidence)
            .bind(&issue.severity)
            .bind(id)
            .execute(&mut *$tx)
            .await?;
        }
        for issue in &plan.new {
            sqlx::query(
                "INSERT INTO site_findings (site_id, code, severity, state, evidence, first_seen_at, last_seen_at) \
                 VALUES ($1, $2, $3, 'open', $4, $5, $5)",
            )
            .bind($site_id)
            .bind(&issue.code)
            .bind(&issue.severity)
            .bind(&issue.evidence)
            .bind($t)
            .execute(&mut *$tx)
            .await?;
        }
        for id in &plan.resolved {
            sqlx::query("UPDATE site_findings SET state = 'resolved', resolved_at = $1 WHERE id = $2")
                .bind($t)
                .bind(id)
                .execute(&mut *$tx)
                .await?;
        }
        let open: Vec<(String,)> =
            sqlx::query_as("SELECT code FROM site_findings WHERE site_id = $1 AND state <> 'resolved'")
                .bind($site_id)
                .fetch_all(&mut *$tx)
                .await?;
        open.into_iter().map(|(code,)| code).collect::<Vec<String>>()
    }};
}

/// Writes the site's latest state, which the overview and the list read. Only a full run of a
/// reachable site replaces the grade, certificate and standard verdict.
macro_rules! update_site_state_in_tx {
    ($tx:expr, $rec:expr, $inspection_id:expr, $open:expr, $flags:expr, $failures:expr, $state:expr, $t:expr) => {{
        let rec: &InspectionRecord = $rec;
        let status = if rec.reachable { "up" } else { "down" };
        let state: SiteState = $state;
        if rec.full && rec.reachable {
            sqlx::query(
                "UPDATE sites SET status = $1, grade = $2, score = $3, cert_expires_at = $4, compromised = $5, \
                 disclosure_gap = $6, meets_standard = $7, open_findings = $8, alert_flags = $9, consecutive_failures = $10, \
                 last_full_at = $11, last_check_at = $11, last_inspection_id = $12, updated_at = $11, \
                 state = $14, list_rank = $15 WHERE id = $13",
            )
            .bind(status)
            .bind(&rec.grade)
            .bind(rec.score)
            .bind(rec.cert_expires_at)
            .bind(rec.compromised)
            .bind(rec.disclosure_gap)
            .bind(rec.meets_standard)
            .bind($open)
            .bind($flags)
            .bind($failures)
            .bind($t)
            .bind($inspection_id)
            .bind(rec.site_id)
            .bind(state.as_str())
            .bind(state.rank())
            .execute(&mut *$tx)
            .await?;
        } else {
            let full_at = if rec.full { Some($t) } else { None };
            sqlx::query(
                "UPDATE sites SET status = $1, open_findings = $2, alert_flags = $3, consecutive_failures = $4, \
                 meets_standard = CASE WHEN $1 = 'down' THEN FALSE ELSE meets_standard END, \
                 state = $8, list_rank = $9, \
                 last_check_at = $5, last_full_at = COALESCE($6, last_full_at), updated_at = $5 WHERE id = $7",
            )
            .bind(status)
            .bind($open)
            .bind($flags)
            .bind($failures)
            .bind($t)
            .bind(full_at)
            .bind(rec.site_id)
            .bind(state.as_str())
            .bind(state.rank())
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// Writes the notices; evaluates to (notifications written, mails queued).
macro_rules! write_notices_in_tx {
    ($tx:expr, $site:expr, $rows:expr, $mails:expr, $t:expr) => {{
        let site: &Site = $site;
        let (mut notifications, mut mails) = (0usize, 0usize);
        for n in $rows {
            notifications += sqlx::query(
                "INSERT INTO notifications (person_id, unit_id, site_id, kind, title, body, link, dedup_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dedup_key) DO NOTHING",
            )
            .bind(n.person_id)
            .bind(site.unit_id)
            .bind(site.id)
            .bind(n.kind)
            .bind(&n.title)
            .bind(&n.body)
            .bind(&n.link)
            .bind(&n.dedup_key)
            .bind($t)
            .execute(&mut *$tx)
            .await?
            .rows_affected() as usize;
        }
        for mail in $mails {
            if queue_mail_in_tx!($tx, mail)? {
                mails += 1;
            }
        }
        (notifications, mails)
    }};
}

impl Store {
    /// Stores one run, in one transaction: the run itself, findings (new, seen again, reopened
    /// after a "fixed" claim, resolved), the site's latest state, and the alerts its state
    /// changes raise (notifications and mail, worded by `texts`). With a job, the job is
    /// completed in the same transaction and only if this worker still holds its lease.
    pub async fn record_inspection(&self, rec: &InspectionRecord, texts: &dyn AlertTexts) -> Result<Recorded> {
        let site = self.site(rec.site_id).await?.ok_or(StoreError::NotFound("website"))?;
        let recipients = self.alert_recipients(&site).await?;
        let t = now();
        let lock = match self.backend {
            Backend::Sqlite(_) => "",
            Backend::Postgres(_) => " FOR UPDATE",
        };
        let select_site =
            format!("SELECT alert_flags, consecutive_failures, meets_standard FROM sites WHERE id = $1{lock}");
        let mut out = Recorded::default();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            complete_job_in_tx!(tx, &rec.job, t);
            let (flags_text, failures, meets_before): (String, i64, Option<bool>) = sqlx::query_as(sqlx::AssertSqlSafe(select_site.as_str()))
                .bind(rec.site_id)
                .fetch_one(&mut *tx)
                .await?;
            out.inspection_id = insert_run_in_tx!(tx, rec, t);

            let live: Vec<LiveFinding> =
                sqlx::query_as("SELECT id, code, state FROM site_findings WHERE site_id = $1 AND state <> 'resolved'")
                    .bind(rec.site_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let plan = reconcile_findings(rec, &live);
            (out.new_findings, out.reopened, out.resolved) = (plan.new.len(), plan.reopened, plan.resolved.len());
            let open_codes = apply_findings_in_tx!(tx, rec.site_id, &plan, t);
            let open = open_codes.len() as i64;

            let before = supervision::parse_flags(&flags_text);
            let after = next_flags(rec, &before, t);
            let failures = if rec.reachable { 0 } else { failures + 1 };
            let state = site_state(rec, meets_before, &open_codes);
            update_site_state_in_tx!(tx, rec, out.inspection_id, open, supervision::flags_text(&after), failures, state, t);

            let changes = supervision::alert_changes(&before, &after);
            out.alerts = changes.iter().map(|c| alert_kind(*c).to_string()).collect();
            let (rows, mails) = compose_notices(&site, &recipients, &changes, texts, t);
            (out.notifications, out.mails) = write_notices_in_tx!(tx, &site, &rows, &mails, t);
            tx.commit().await?;
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(code: &str) -> FoundIssue {
        FoundIssue {
            code: code.into(),
            severity: "high".into(),
            evidence: String::new(),
        }
    }

    fn record(full: bool, reachable: bool, codes: &[&str]) -> InspectionRecord {
        InspectionRecord {
            site_id: 1,
            job: None,
            full,
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
            issues: codes.iter().map(|c| issue(c)).collect(),
            detail: "{}".into(),
        }
    }

    #[test]
    fn a_check_touches_only_reachability_and_a_down_site_keeps_its_content_findings() {
        let live: Vec<LiveFinding> = vec![
            (1, "unreachable".into(), "open".into()),
            (2, "stale_content".into(), "fixed".into()),
        ];
        let check = record(false, true, &["stale_content"]);
        let plan = reconcile_findings(&check, &live);
        assert!(plan.new.is_empty() && plan.seen.is_empty());
        assert_eq!(plan.resolved, vec![1]);

        let down = record(true, false, &["unreachable"]);
        let plan = reconcile_findings(&down, &live);
        assert_eq!(plan.seen.len(), 1);
        assert!(plan.resolved.is_empty(), "content is not judged while down");

        let full = record(true, true, &["stale_content", "spam_hidden"]);
        let plan = reconcile_findings(&full, &live);
        assert_eq!((plan.reopened, plan.new.len(), plan.resolved.clone()), (1, 1, vec![1]));
    }

    #[test]
    fn the_state_keeps_the_last_verdict_between_full_runs() {
        let codes = |c: &[&str]| c.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let mut full = record(true, true, &[]);
        full.meets_standard = Some(true);
        assert_eq!(site_state(&full, Some(false), &[]), SiteState::Fine);
        assert_eq!(
            site_state(&full, Some(true), &codes(&["malicious_redirect"])),
            SiteState::Compromised
        );
        let check_up = record(false, true, &[]);
        assert_eq!(site_state(&check_up, Some(false), &[]), SiteState::FailsStandard);
        assert_eq!(site_state(&check_up, None, &[]), SiteState::NotYetInspected);
        let check_down = record(false, false, &["unreachable"]);
        assert_eq!(
            site_state(&check_down, Some(true), &codes(&["unreachable"])),
            SiteState::Down
        );
    }

    #[test]
    fn flags_change_fully_only_on_a_reachable_full_run() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let before: BTreeSet<AlertFlag> = [AlertFlag::Compromised].into_iter().collect();
        let check_down = next_flags(&record(false, false, &[]), &before, t);
        assert!(check_down.contains(&AlertFlag::Down) && check_down.contains(&AlertFlag::Compromised));
        let clean = next_flags(&record(true, true, &[]), &before, t);
        assert!(clean.is_empty());
    }
}
