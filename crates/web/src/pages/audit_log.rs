//! The audit log, for system administrators.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::format::date_time;
use crate::layout::{Layout, Pager, render};

pub struct EntryRow {
    pub seq: i64,
    pub at: String,
    /// The person's name, or what was recorded when no person acted (the system, a command).
    pub actor: String,
    /// The account's username, for an administrator who needs it.
    pub actor_username: String,
    pub action: &'static str,
    pub code: String,
    pub target: String,
    /// A link to the person or unit the entry is about, with a readable name.
    pub target_link: Option<(String, String)>,
    pub detail: String,
    pub client_ip: String,
}

/// What each recorded action means, in Vietnamese.
fn action_label(code: &str) -> &'static str {
    match code {
        "login" => "Đăng nhập",
        "login.failure" => "Đăng nhập thất bại",
        "logout" => "Đăng xuất",
        "api.login" => "Đăng nhập API",
        "password.change" => "Đổi mật khẩu",
        "password.reset" => "Đặt lại mật khẩu",
        "person.create" => "Tạo tài khoản",
        "person.update" => "Sửa thông tin người dùng",
        "person.disable" => "Khóa tài khoản",
        "person.enable" => "Mở khóa tài khoản",
        "role.grant" => "Giao vai trò",
        "role.revoke" => "Thu hồi vai trò",
        "unit.create" => "Tạo đơn vị",
        "unit.update" => "Sửa đơn vị",
        "unit.import" => "Nhập đơn vị từ tệp",
        "demo.seed" => "Tạo dữ liệu mẫu",
        _ => "Khác",
    }
}

/// "person:8" → a link to that person's page; "unit:3" → to that unit's.
fn target_link(target: &str) -> Option<(String, String)> {
    let (kind, id) = target.split_once(':')?;
    let id: i64 = id.parse().ok()?;
    match kind {
        "person" => Some((format!("/nguoi-dung/{id}"), format!("Người dùng #{id}"))),
        "unit" => Some((format!("/don-vi/{id}"), format!("Đơn vị #{id}"))),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<EntryRow>,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let (entries, total) = lanhmang_app::people::audit_log(&state.app, &identity, paging).await?;
    let ids: Vec<i64> = entries.iter().filter_map(|e| e.actor_person_id).collect();
    let names = state.store.display_names(&ids).await?;
    let rows = entries
        .into_iter()
        .map(|e| EntryRow {
            actor_username: if e.actor_person_id.is_some() {
                e.actor.clone()
            } else {
                String::new()
            },
            actor: e
                .actor_person_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| e.actor.clone()),
            seq: e.seq,
            at: date_time(e.at),
            action: action_label(&e.action),
            code: e.action,
            target_link: target_link(&e.target),
            target: e.target,
            detail: e.detail,
            client_ip: e.client_ip,
        })
        .collect();
    render(&AuditPage {
        layout: Layout::new("Nhật ký hệ thống", &identity, "/nhat-ky"),
        rows,
        pager: Pager::new(
            "/nhat-ky",
            &[("per_page", q.per_page.unwrap_or_default())],
            paging,
            total,
        ),
    })
}
