//! Reminders before the yearly report's deadline: at each configured number of days before it
//! (30, 14, 7 and 1 by default), every principal whose school has not sent its report gets one
//! e-mail. Dedup keys make the daily run idempotent: running it twice queues nothing new.

use time::{Date, Duration};

use crate::JobError;

/// Queues the reminders due on `today`; returns how many mails were queued.
pub async fn queue_deadline_reminders(
    app: &lanhmang_app::App,
    today: Date,
    offsets: &[u32],
) -> Result<usize, JobError> {
    let Some(furthest) = offsets.iter().max() else {
        return Ok(0);
    };
    let plans = app
        .store
        .plans_with_deadline_between(today, today + Duration::days(i64::from(*furthest)))
        .await?;
    let mut queued = 0;
    for plan in plans {
        let days_left = (plan.deadline - today).whole_days();
        if !offsets.iter().any(|o| i64::from(*o) == days_left) {
            continue;
        }
        for p in app.store.pending_principals(&plan).await? {
            let mail = lanhmang_app::notifications::deadline_reminder_mail(&app.settings.links, &plan, &p, days_left);
            match app.store.queue_mail(&mail).await {
                Ok(true) => queued += 1,
                Ok(false) => {}
                // One bad address must not stop the others' reminders.
                Err(lanhmang_store::StoreError::Conflict(m)) => tracing::warn!(%m, "reminder not queued"),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use lanhmang_domain::Role;
    use lanhmang_domain::person::PersonInput;
    use lanhmang_domain::plan::{PlanContent, PlanHeader};
    use lanhmang_domain::plan_template::BUILTIN;
    use lanhmang_domain::unit::UnitInput;
    use lanhmang_store::AuditContext;
    use lanhmang_store::outbox::OutboxFilter;
    use lanhmang_store::test_support::{TestDb, both_backends};

    use super::*;

    both_backends!(reminders_go_once_at_each_offset_to_schools_that_have_not_reported);
    async fn reminders_go_once_at_each_offset_to_schools_that_have_not_reported(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let unit = |code: &str, kind: &str| {
                UnitInput {
                    code: code.into(),
                    name: format!("Đơn vị {code}"),
                    kind: kind.into(),
                    school_level: if kind == "truong" { "th".into() } else { String::new() },
                    ..Default::default()
                }
                .parse()
                .unwrap()
            };
            let office = store.create_unit(&ctx, None, &unit("P", "phong")).await.unwrap();
            let a = store
                .create_unit(&ctx, Some(office.id), &unit("A", "truong"))
                .await
                .unwrap();
            let b = store
                .create_unit(&ctx, Some(office.id), &unit("B", "truong"))
                .await
                .unwrap();
            for (school, name) in [(&a, "hieu.truong.a"), (&b, "hieu.truong.b")] {
                let fields = PersonInput {
                    username: name.into(),
                    display_name: "Nguyễn Văn Hiệu".into(),
                    email: format!("{name}@truong.edu.vn"),
                    phone: String::new(),
                }
                .parse()
                .unwrap();
                let p = store
                    .create_person(&ctx, school.id, &fields, None, false)
                    .await
                    .unwrap();
                store.grant_role(&ctx, p.id, Role::Principal, school.id).await.unwrap();
            }
            let header = PlanHeader::parse("Kế hoạch", "2026-2027", "2027-06-01", "").unwrap();
            let plan = store
                .create_plan(
                    &ctx,
                    office.id,
                    &header,
                    "builtin",
                    &PlanContent::from_template(&BUILTIN),
                )
                .await
                .unwrap();
            let plan = store
                .publish_plan(&ctx, plan.id, None, &Default::default())
                .await
                .unwrap();
            // School B has sent its report: only A's principal is reminded.
            let report = store
                .ensure_report(&ctx, plan.id, b.id, &Default::default())
                .await
                .unwrap();
            store
                .transition_report(
                    &ctx,
                    &plan,
                    &report,
                    report.version,
                    lanhmang_domain::report::ReportEvent::Submit,
                    "",
                    &Default::default(),
                    "",
                )
                .await
                .unwrap();
            let offsets = [30, 14, 7, 1];
            let fourteen_before = time::macros::date!(2027 - 05 - 18);
            let store = std::sync::Arc::new(store);
            let app = lanhmang_app::App::new(
                store.clone(),
                lanhmang_app::Settings {
                    links: lanhmang_app::Links::new(Some("https://lanhmang.example.vn")),
                    ..Default::default()
                },
            );
            assert_eq!(
                queue_deadline_reminders(&app, fourteen_before, &offsets).await.unwrap(),
                1,
                "{backend}"
            );
            assert_eq!(
                queue_deadline_reminders(&app, fourteen_before, &offsets).await.unwrap(),
                0,
                "{backend}: once"
            );
            let thirteen_before = time::macros::date!(2027 - 05 - 19);
            assert_eq!(
                queue_deadline_reminders(&app, thirteen_before, &offsets).await.unwrap(),
                0,
                "{backend}"
            );
            let day_before = time::macros::date!(2027 - 05 - 31);
            assert_eq!(
                queue_deadline_reminders(&app, day_before, &offsets).await.unwrap(),
                1,
                "{backend}"
            );
            let (mails, _) = store
                .outbox_page(
                    &OutboxFilter {
                        unit_ids_in_subtree_of: vec![office.id],
                        ..Default::default()
                    },
                    lanhmang_domain::Paging::default(),
                )
                .await
                .unwrap();
            assert_eq!(mails.len(), 2);
            assert!(mails.iter().all(|m| m.to_address == "hieu.truong.a@truong.edu.vn"));
            assert!(mails.iter().any(|m| m.subject.starts_with("Còn 14 ngày")));
            assert!(mails.iter().any(|m| m.body.contains("01/06/2027")));
            // The link in the mail can be clicked.
            assert!(
                mails
                    .iter()
                    .all(|m| m.body.contains("https://lanhmang.example.vn/ke-hoach/")),
                "{backend}"
            );
            db.cleanup().await;
        }
    }
}
