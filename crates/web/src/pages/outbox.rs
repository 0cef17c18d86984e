//! The e-mail outbox: what was queued for whom, and what became of it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use lanhmang_domain::Action;
use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::plan::PlanStatus;
use lanhmang_store::outbox::{MailStatus, OutboxFilter};
use serde::Deserialize;

use super::dashboard::plans_in;
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::layout::{FilterBox, Layout, Pager, render};

// ---------------------------------------------------------------------------------------------
// The outbox.

#[derive(Deserialize, Default)]
pub struct OutboxQuery {
    #[serde(default)]
    trang_thai: String,
    #[serde(default)]
    ke_hoach: String,
    page: Option<String>,
    per_page: Option<String>,
}

pub struct MailRow {
    pub created: String,
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub unit: String,
    pub reason: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
    pub attempts: i64,
    pub next_attempt: Option<String>,
    pub last_attempt: Option<String>,
    pub sent: Option<String>,
    pub last_error: String,
    pub body: String,
}

/// A status tab: (link, label, count, current).
pub type Tab = (String, &'static str, i64, bool);

#[derive(Template)]
#[template(path = "outbox.html", whitespace = "minimize")]
struct OutboxPage {
    layout: Layout,
    rows: Vec<MailRow>,
    pager: Pager,
    tabs: Vec<Tab>,
    /// (id, label, selected).
    plans: Vec<(String, String, bool)>,
    status: String,
    filtered: bool,
    /// The plan filter only: the status is a tab.
    filter_box: FilterBox,
}

fn reason_label(reason: &str) -> &'static str {
    match reason {
        "reminder" | "deadline_reminder" => "Nhắc hạn nộp (tự động)",
        "manual_reminder" => "Nhắc nộp báo cáo",
        "report_returned" => "Báo cáo bị trả lại",
        "plan_returned" | "school_plan_returned" => "Kế hoạch bị trả lại",
        _ => "Khác",
    }
}

fn status_class(status: MailStatus) -> &'static str {
    match status {
        MailStatus::Queued => "mail-queued",
        MailStatus::Sent => "mail-sent",
        MailStatus::Failed => "mail-failed",
    }
}

/// The start of a long text, cut at a word.
pub(super) fn excerpt(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max_chars / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// How many plans the outbox's plan filter offers.
const PLAN_CHOICES: usize = 30;

pub async fn outbox(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, AppError> {
    let roots = scope_roots(&identity.permissions, Action::ViewOutbox);
    let paging = super::paging(&q.page, &q.per_page)?;
    let status = match q.trang_thai.trim() {
        "" => None,
        raw => Some(
            MailStatus::parse(raw)
                .ok_or_else(|| AppError::BadRequest(format!("Trạng thái thư không hợp lệ: {}", excerpt(raw, 30))))?,
        ),
    };
    let plan_id = match q.ke_hoach.trim() {
        "" => None,
        raw => Some(
            raw.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| AppError::BadRequest("Mã kế hoạch để lọc thư không hợp lệ.".into()))?,
        ),
    };
    let filter = OutboxFilter {
        status,
        plan_id,
        unit_ids_in_subtree_of: roots.clone(),
    };
    let counts = state.store.outbox_counts(&filter).await?;
    let (mails, total) = state.store.outbox_page(&filter, paging).await?;
    let rows = mails
        .into_iter()
        .map(|m| MailRow {
            created: crate::format::date_time(m.created_at),
            to_name: m.to_name,
            to_address: m.to_address,
            subject: m.subject,
            unit: m.unit_name.unwrap_or_default(),
            reason: reason_label(&m.reason),
            status: m.status.label(),
            status_class: status_class(m.status),
            attempts: m.attempts,
            next_attempt: (m.status == MailStatus::Queued).then(|| crate::format::date_time(m.next_attempt_at)),
            last_attempt: m.last_attempt_at.map(crate::format::date_time),
            sent: m.sent_at.map(crate::format::date_time),
            last_error: excerpt(&m.last_error, 300),
            body: excerpt(&m.body, 600),
        })
        .collect();
    let plan_param = plan_id.map(|p| p.to_string()).unwrap_or_default();
    let tab = |code: &str| {
        let mut params = Vec::new();
        if !code.is_empty() {
            params.push(format!("trang_thai={code}"));
        }
        if !plan_param.is_empty() {
            params.push(format!("ke_hoach={plan_param}"));
        }
        if params.is_empty() {
            "/thu-di".to_string()
        } else {
            format!("/thu-di?{}", params.join("&"))
        }
    };
    let mut tabs: Vec<Tab> = vec![(tab(""), "Tất cả", counts.total(), status.is_none())];
    for s in MailStatus::ALL {
        let n = match s {
            MailStatus::Queued => counts.queued,
            MailStatus::Sent => counts.sent,
            MailStatus::Failed => counts.failed,
        };
        tabs.push((tab(s.as_str()), s.label(), n, status == Some(s)));
    }
    // The newest plans (and the one chosen): a department's whole history would make the
    // page heavy on a slow link, and old plans' mail is reachable through the status tabs.
    let plans = plans_in(&state, &roots)
        .await?
        .into_iter()
        .filter(|p| p.status == PlanStatus::Published)
        .enumerate()
        .filter(|(i, p)| *i < PLAN_CHOICES || Some(p.id) == plan_id)
        .map(|(_, p)| {
            (
                p.id.to_string(),
                format!("{} · năm học {}", excerpt(&p.title, 60), p.school_year.label()),
                Some(p.id) == plan_id,
            )
        })
        .collect();
    let pager = Pager::new(
        "/thu-di",
        &[
            ("trang_thai", q.trang_thai.trim().to_string()),
            ("ke_hoach", plan_param.clone()),
            ("per_page", q.per_page.clone().unwrap_or_default()),
        ],
        paging,
        total,
    );
    render(&OutboxPage {
        layout: Layout::new("Thư đi", &identity, "/thu-di"),
        rows,
        pager,
        tabs,
        plans,
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        filtered: status.is_some() || plan_id.is_some(),
        filter_box: FilterBox::count(&[plan_id.is_some()]),
    })
}
