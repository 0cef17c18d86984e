//! An office connects its messaging provider (a Zalo Official Account bot, an SMS gateway):
//! Lành Mạng posts each notice the office or a unit below it sends, signed with the shared
//! secret, and keeps a log of every attempt with the receiver's answer. The provider keeps its
//! own credentials; Lành Mạng hands it the text, the link and the audience, never a person's
//! name or contact.
//!
//! Who may act: `ManageWebhooks` (the office's administrator). A connection belongs to the
//! unit it was made for, in that unit's name; one out of sight is not found.

use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::webhook::{Event, WebhookInput};
use lanhmang_domain::{Action, Paging, Target};
use lanhmang_store::Unit;
use lanhmang_store::webhooks::{ClaimedDelivery, Delivery, Webhook};
use serde_json::json;

use crate::{Actor, App, AppError, Problem, Result};

/// The units the actor connects: those where they hold `ManageWebhooks` themselves.
pub async fn units(app: &App, actor: &Actor) -> Result<Vec<Unit>> {
    let roots = scope_roots(&actor.permissions, Action::ManageWebhooks);
    Ok(app.store.units_by_ids(&roots).await?)
}

/// The connections of the actor's units.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<Webhook>> {
    let roots = scope_roots(&actor.permissions, Action::ManageWebhooks);
    if roots.is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok(app.store.webhooks_of(&roots).await?)
}

/// Adds a connection for `unit_id` (or the actor's one unit); gives it with its secret, which
/// is shown this once.
pub async fn create(app: &App, actor: &Actor, unit_id: Option<i64>, input: &WebhookInput) -> Result<(Webhook, String)> {
    let mine = units(app, actor).await?;
    let unit = match (unit_id, mine.as_slice()) {
        (_, []) => return Err(AppError::Forbidden),
        (None, [one]) => one.clone(),
        (None, _) => {
            return Err(AppError::Invalid(vec![Problem::at(
                "unit_id",
                "Hãy chọn đơn vị của kết nối.",
            )]));
        }
        (Some(id), _) => match mine.iter().find(|u| u.id == id) {
            Some(u) => u.clone(),
            None => {
                return Err(AppError::Invalid(vec![Problem::at(
                    "unit_id",
                    "Chỉ tạo được kết nối cho đơn vị mình quản trị.",
                )]));
            }
        },
    };
    let fields = input
        .parse(app.settings.allow_private_sites)
        .map_err(|list| AppError::Invalid(list.into_iter().map(Problem::from).collect()))?;
    let id = app.store.create_webhook(&actor.audit(), unit.id, &fields).await?;
    let webhook = app.store.webhook(id).await?.ok_or(AppError::NotFound)?;
    Ok((webhook, fields.secret))
}

/// A connection the actor manages; 404 for one out of sight.
pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<Webhook> {
    let webhook = app.store.webhook(id).await?.ok_or(AppError::NotFound)?;
    let unit = app.store.unit(webhook.unit_id).await?.ok_or(AppError::NotFound)?;
    if !actor.may(Action::ManageWebhooks, Target::Unit(&unit.ancestry)) {
        return Err(AppError::NotFound);
    }
    Ok(webhook)
}

/// The connection's deliveries, newest first, with every attempt.
pub async fn deliveries(app: &App, actor: &Actor, id: i64, paging: Paging) -> Result<(Webhook, Vec<Delivery>, i64)> {
    let webhook = get(app, actor, id).await?;
    let (list, total) = app
        .store
        .webhook_deliveries(id, paging.limit(), paging.offset())
        .await?;
    Ok((webhook, list, total))
}

/// Queues a test delivery; gives its id.
pub async fn ping(app: &App, actor: &Actor, id: i64) -> Result<i64> {
    let webhook = get(app, actor, id).await?;
    if webhook.disabled_at.is_some() {
        return Err(AppError::Conflict("Kết nối này đã tắt; hãy tạo kết nối mới.".into()));
    }
    Ok(app.store.queue_webhook_ping(id).await?)
}

/// Turns the connection off for good (what waits is dropped). Twice is harmless.
pub async fn disable(app: &App, actor: &Actor, id: i64) -> Result<Webhook> {
    get(app, actor, id).await?;
    app.store.disable_webhook(&actor.audit(), id).await?;
    get(app, actor, id).await
}

/// The body posted for a delivery, in the Standard Webhooks shape (`type`, `timestamp`,
/// `data`). A notice's data is what a provider needs to pass it on: the text, a text message
/// of it (no diacritics, 160 characters, the link whole), the link, the number, the issuer and
/// the audience in words and as codes. None when the notice is gone.
pub async fn payload(app: &App, claim: &ClaimedDelivery) -> Result<Option<Vec<u8>>> {
    let timestamp = lanhmang_store::format_time(claim.created_at);
    let body = match Event::parse(&claim.event) {
        Some(Event::Ping) => {
            let unit = app.store.unit(claim.unit_id).await?.ok_or(AppError::NotFound)?;
            json!({
                "type": Event::Ping.as_str(),
                "timestamp": timestamp,
                "data": {
                    "webhook_id": claim.webhook_id,
                    "unit": {"id": unit.id, "code": unit.code, "name": unit.name},
                    "message": format!("Lành Mạng gửi thử đến kết nối của {}.", unit.name),
                }
            })
        }
        Some(Event::NoticeSent) => {
            let Some(notice) = (match claim.notice_id {
                Some(id) => app.store.notice(id).await?,
                None => None,
            }) else {
                return Ok(None);
            };
            let issuer = app.store.unit(notice.unit_id).await?.ok_or(AppError::NotFound)?;
            let units = app.store.units_by_ids(&notice.audience.unit_ids).await?;
            let link = app.settings.links.url(&format!("/van-ban/{}", notice.id));
            // Named, not sent: the files are read by signing in, like the notice.
            let files = if notice.attachments > 0 {
                app.store.notice_attachments(notice.id).await?
            } else {
                Vec::new()
            };
            let audience = &notice.audience;
            json!({
                "type": Event::NoticeSent.as_str(),
                "timestamp": timestamp,
                "data": {
                    "notice": {
                        "id": notice.id,
                        "number": crate::notices::number_of(&notice),
                        "title": notice.title,
                        "body": notice.body,
                        "text_message": lanhmang_domain::notice::sms_text(&notice.unit_name, &notice.title, &notice.body, &link),
                        "url": link,
                        "ack_required": notice.ack_required,
                        "due_on": notice.due_on.map(|d| d.to_string()),
                        "sent_at": lanhmang_store::format_time(notice.created_at),
                        "recipients": notice.recipients,
                        "attachments": files.iter().map(|f| json!({"file_name": f.file_name, "content_type": f.content_type, "size": f.size})).collect::<Vec<_>>(),
                        "issuer": {"id": issuer.id, "code": issuer.code, "name": issuer.name},
                        "audience": {
                            "description": audience.describe(),
                            "units": units.iter().map(|u| json!({"id": u.id, "code": u.code, "name": u.name})).collect::<Vec<_>>(),
                            "roles": audience.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                            "classes": audience.classes.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                            "grades": audience.grades,
                            "parents_only": audience.parents_only(),
                        },
                    }
                }
            })
        }
        None => return Ok(None),
    };
    Ok(Some(body.to_string().into_bytes()))
}
