//! The offices' daily digest: one mail per office administrator with the day's alerts in the
//! office's subtree and the current figures; once per person per day (dedup keys).

use lanhmang_domain::Role;
use lanhmang_store::outbox::NewMail;
use time::{Date, Duration};

use super::texts::digest_mail;
use crate::{App, Result};

/// Queues the day's digests; returns how many mails were queued.
pub async fn queue_office_digests(app: &App, today: Date) -> Result<usize> {
    let since = lanhmang_store::now() - Duration::days(1);
    let mut queued = 0;
    for (unit_id, ancestry, name) in app.store.supervising_offices().await? {
        let alerts = app.store.alerts_since(&ancestry, since, 200).await?;
        let overview = app.store.sites_overview(&[unit_id], None).await?;
        let text = digest_mail(&app.settings.links, &name, today, &overview, &alerts);
        for (person, role) in app.store.people_with_roles_in_unit(unit_id).await? {
            let Some(email) = person.email.clone().filter(|e| !e.trim().is_empty()) else {
                continue;
            };
            if role != Role::OfficeAdmin || person.disabled {
                continue;
            }
            let mail = NewMail {
                to_address: email,
                to_name: person.display_name.clone(),
                subject: text.subject.clone(),
                body: text.body.clone(),
                reason: "supervision_digest",
                plan_id: None,
                unit_id: Some(unit_id),
                dedup_key: Some(format!("digest:{unit_id}:{today}:{}", person.id)),
            };
            if app.store.queue_mail(&mail).await? {
                queued += 1;
            }
        }
    }
    Ok(queued)
}
