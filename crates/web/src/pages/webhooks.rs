//! An office's connections to its messaging provider (`/ket-noi`): the list with the form to
//! add one, a connection's page with its delivery log, a test delivery and turning it off.
//! Rules live in `lanhmang_app::webhooks`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::webhooks as service;
use lanhmang_domain::webhook::{MAX_PER_UNIT, MIN_SECRET_CHARS, WebhookInput};
use lanhmang_store::webhooks::{Delivery, Webhook};
use serde::Deserialize;

use super::{PageForm, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::format::date_time;
use crate::layout::{FieldErrors, Layout, Pager, render, render_form};

fn layout(title: impl Into<String>, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, "/ket-noi");
    layout.notice = notice.and_then(|code| match code {
        "da-gui-thu" => Some("Đã xếp hàng một lần gửi thử; kết quả hiện trong nhật ký sau ít giây."),
        "da-tat" => Some("Đã tắt kết nối. Những lần gửi đang chờ đã được bỏ."),
        _ => None,
    });
    layout
}

/// A connection as the pages show it.
pub struct WebhookRow {
    id: i64,
    unit_name: String,
    url: String,
    secret_hint: String,
    description: String,
    active: bool,
    created: String,
    queued: i64,
    delivered: i64,
    failed: i64,
    last_delivery: String,
}

fn row(w: &Webhook) -> WebhookRow {
    WebhookRow {
        id: w.id,
        unit_name: w.unit_name.clone(),
        url: w.url.clone(),
        secret_hint: format!("{}…", w.secret_hint),
        description: w.description.clone(),
        active: w.disabled_at.is_none(),
        created: date_time(w.created_at),
        queued: w.queued,
        delivered: w.delivered,
        failed: w.failed,
        last_delivery: w.last_delivery_at.map(date_time).unwrap_or_else(|| "chưa có".into()),
    }
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct ListPage {
    layout: Layout,
    webhooks: Vec<WebhookRow>,
    /// (id, name), when the person administers more than one unit.
    units: Vec<(i64, String)>,
    form: CreateForm,
    errors: FieldErrors,
    max: usize,
    min_secret: usize,
}

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    description: String,
}

async fn list_page(
    state: &AppState,
    identity: &Identity,
    form: CreateForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let webhooks = service::list(&state.app, identity).await?;
    let units = service::units(&state.app, identity).await?;
    let invalid = !errors.is_empty();
    render_form(
        &ListPage {
            layout: layout("Kết nối dịch vụ tin nhắn", identity, None),
            webhooks: webhooks.iter().map(row).collect(),
            units: if units.len() > 1 {
                units.into_iter().map(|u| (u.id, u.name)).collect()
            } else {
                Vec::new()
            },
            form,
            errors,
            max: MAX_PER_UNIT,
            min_secret: MIN_SECRET_CHARS,
        },
        invalid,
    )
}

pub async fn list(State(state): State<AppState>, identity: Identity) -> Result<Response, AppError> {
    list_page(&state, &identity, CreateForm::default(), FieldErrors::default()).await
}

#[derive(Template)]
#[template(path = "webhook_show.html")]
struct ShowPage {
    layout: Layout,
    webhook: WebhookRow,
    /// Only right after it was made.
    secret: Option<String>,
    deliveries: Vec<DeliveryRow>,
    pager: Pager,
}

pub struct DeliveryRow {
    id: i64,
    event: &'static str,
    notice: Option<(i64, String)>,
    status: &'static str,
    failed: bool,
    created: String,
    /// "500 · 500 · 200", the answers in order ("—" where none came).
    answers: String,
    last_error: String,
    next: Option<String>,
}

fn delivery_row(d: &Delivery) -> DeliveryRow {
    use lanhmang_domain::webhook::DeliveryStatus;
    DeliveryRow {
        id: d.id,
        event: d.event.label(),
        notice: d.notice_id.zip(d.notice_title.clone()),
        status: d.status.label(),
        failed: d.status == DeliveryStatus::Failed,
        created: date_time(d.created_at),
        answers: d
            .tries
            .iter()
            .map(|a| a.status_code.map_or_else(|| "—".to_string(), |c| c.to_string()))
            .collect::<Vec<_>>()
            .join(" · "),
        last_error: d.last_error.clone(),
        next: (d.status == DeliveryStatus::Queued).then(|| date_time(d.next_attempt_at)),
    }
}

pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<CreateForm>,
) -> Result<Response, AppError> {
    let unit_id = match form.unit_id.trim() {
        "" => None,
        raw => Some(parse_id(raw)?),
    };
    let input = WebhookInput {
        url: form.url.clone(),
        secret: form.secret.clone(),
        description: form.description.clone(),
    };
    match service::create(&state.app, &identity, unit_id, &input).await {
        Ok((webhook, secret)) => render(&ShowPage {
            layout: layout(format!("Kết nối · {}", webhook.url), &identity, None),
            webhook: row(&webhook),
            secret: Some(secret),
            deliveries: Vec::new(),
            pager: Pager::new(
                &format!("/ket-noi/{}", webhook.id),
                &[],
                lanhmang_domain::Paging {
                    page: 1,
                    per_page: lanhmang_domain::paging::DEFAULT_PER_PAGE,
                },
                0,
            ),
        }),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            let errors = super::field_errors(&problems);
            // The secret is never sent back into the page.
            let form = CreateForm {
                secret: String::new(),
                ..form
            };
            list_page(&state, &identity, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    page: Option<String>,
    per_page: Option<String>,
    tb: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let paging = super::paging(&q.page, &q.per_page)?;
    let (webhook, list, total) = service::deliveries(&state.app, &identity, id, paging).await?;
    render(&ShowPage {
        layout: layout(format!("Kết nối · {}", webhook.url), &identity, q.tb.as_deref()),
        webhook: row(&webhook),
        secret: None,
        deliveries: list.iter().map(delivery_row).collect(),
        pager: Pager::new(&format!("/ket-noi/{id}"), &[], paging, total),
    })
}

pub async fn ping(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    service::ping(&state.app, &identity, id).await?;
    Ok(Redirect::to(&format!("/ket-noi/{id}?tb=da-gui-thu")).into_response())
}

pub async fn disable(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    service::disable(&state.app, &identity, id).await?;
    Ok(Redirect::to(&format!("/ket-noi/{id}?tb=da-tat")).into_response())
}
