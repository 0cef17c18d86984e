//! What the yearly loop tells people, written once: the e-mail and the in-app notice for each
//! event, with absolute links (`Links`) so that a link in a mail can be clicked.
//!
//! A message goes to a school's principals (enabled accounts); the mail only to those with a
//! valid address, the notice to every one of them. An address a mail server could not take never
//! blocks the decision that caused the message.

use lanhmang_domain::Role;
use lanhmang_domain::report::ReportEvent;
use lanhmang_domain::text::date_text;
use lanhmang_store::Unit;
use lanhmang_store::notifications::{NewNotification, Outgoing};
use lanhmang_store::outbox::NewMail;
use lanhmang_store::plans::Plan;

use crate::{App, Result};

/// One message, before it is addressed.
pub struct Message {
    /// What caused it (`report_returned`, `plan_published`, …): the outbox's reason and the
    /// notice's kind.
    pub kind: &'static str,
    pub subject: String,
    /// Plain text, without the greeting and the signature.
    pub body: String,
    /// A path inside the application; the mail carries it as an absolute link.
    pub link: String,
    /// Makes sending idempotent per person (`…:{person id}` is appended).
    pub dedup: Option<String>,
}

/// Who a message reaches, for the person whose action sent it: never promise a mail that is not
/// sent, nor a notice no one receives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Told {
    /// (name, whether an e-mail goes too) for each person told.
    pub people: Vec<(String, bool)>,
    /// Whose accounts were looked for: saying that no one was told names them.
    pub audience: Audience,
}

/// Who a message is meant for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Audience {
    /// The school's principals (the office's reviews).
    #[default]
    SchoolPrincipals,
    /// The people who review reports at the office that issued the plan (a school's request).
    OfficeReviewers,
    /// Whoever handles a school's incidents: its principal and the office's incident leads.
    IncidentHandlers,
    /// The people a training's audience names.
    Invited,
    /// The people a notice's audience names.
    Addressed,
}

impl Told {
    pub fn nobody(&self) -> bool {
        self.people.is_empty()
    }

    /// "Đã báo cho …" naming each person and how, or that no one was told and why.
    pub fn sentence(&self) -> String {
        if self.people.is_empty() {
            return match self.audience {
                Audience::SchoolPrincipals => "Trường chưa có tài khoản hiệu trưởng: chưa ai nhận được thông báo. \
                    Hãy thêm tài khoản hiệu trưởng cho trường."
                    .into(),
                Audience::IncidentHandlers => "Chưa ai nhận được thông báo: đơn vị chưa có tài khoản hiệu trưởng \
                    và cấp trên chưa chỉ định đầu mối xử lý sự cố. Nếu có trẻ em gặp nguy hiểm, hãy gọi ngay \
                    Tổng đài 111 hoặc Công an (113)."
                    .into(),
                Audience::Invited => {
                    "Chưa ai được mời: không có tài khoản nào giữ vai trò đã chọn ở các đơn vị đã chọn.".into()
                }
                Audience::Addressed => {
                    "Chưa ai nhận: không có tài khoản nào giữ vai trò đã chọn ở các đơn vị đã chọn.".into()
                }
                Audience::OfficeReviewers => {
                    "Phòng chưa có tài khoản nào được duyệt báo cáo: chưa ai nhận được đề nghị. \
                    Xin liên hệ trực tiếp với Phòng."
                        .into()
                }
            };
        }
        let each: Vec<String> = self
            .people
            .iter()
            .map(|(name, by_mail)| {
                if *by_mail {
                    format!("{name} (trên Lành Mạng và qua e-mail)")
                } else {
                    format!("{name} (trên Lành Mạng; tài khoản chưa có e-mail)")
                }
            })
            .collect();
        format!("Đã báo cho {}.", each.join(", "))
    }
}

/// The message addressed to the school's principals, as mail and notice.
pub async fn to_principals(app: &App, plan: &Plan, unit: &Unit, message: &Message) -> Result<Outgoing> {
    Ok(to_principals_told(app, plan, unit, message).await?.0)
}

/// The message addressed to the school's principals, with who it reaches.
pub async fn to_principals_told(app: &App, plan: &Plan, unit: &Unit, message: &Message) -> Result<(Outgoing, Told)> {
    let people = app.store.people_with_roles_in_unit(unit.id).await?;
    let principals = people
        .into_iter()
        .filter(|(p, role)| *role == Role::Principal && !p.disabled)
        .map(|(p, _)| p);
    Ok(addressed(
        app,
        plan,
        unit,
        message,
        principals,
        Audience::SchoolPrincipals,
    ))
}

/// The message addressed to the people who review reports at the office that issued the plan,
/// about `unit`, with who it reaches.
pub async fn to_reviewers_told(app: &App, plan: &Plan, unit: &Unit, message: &Message) -> Result<(Outgoing, Told)> {
    let people = app.store.people_with_roles_in_unit(plan.issuing_unit_id).await?;
    let mut reviewers: Vec<lanhmang_store::people::Person> = Vec::new();
    for (person, role) in people {
        let reviews = lanhmang_domain::permission::role_allows_at(
            role,
            &plan.issuing_ancestry,
            lanhmang_domain::permission::Action::ReviewReports,
        );
        // A person holding two reviewing roles is told once.
        if reviews && !person.disabled && !reviewers.iter().any(|p| p.id == person.id) {
            reviewers.push(person);
        }
    }
    Ok(addressed(
        app,
        plan,
        unit,
        message,
        reviewers,
        Audience::OfficeReviewers,
    ))
}

/// The message as mail (to those with a valid address) and notice (to everyone), about `unit`.
fn addressed(
    app: &App,
    plan: &Plan,
    unit: &Unit,
    message: &Message,
    people: impl IntoIterator<Item = lanhmang_store::people::Person>,
    audience: Audience,
) -> (Outgoing, Told) {
    addressed_about(app, Some(plan.id), unit.id, message, people, audience)
}

/// The message as mail (to those with a valid address) and notice (to everyone), about the
/// unit `unit_id` and, when it concerns one, a plan.
pub fn addressed_about(
    app: &App,
    plan_id: Option<i64>,
    unit_id: i64,
    message: &Message,
    people: impl IntoIterator<Item = lanhmang_store::people::Person>,
    audience: Audience,
) -> (Outgoing, Told) {
    let url = app.settings.links.url(&message.link);
    let mut out = Outgoing::default();
    let mut told = Told {
        audience,
        ..Default::default()
    };
    for person in people {
        let mails_before = out.mails.len();
        let dedup_key = message.dedup.as_ref().map(|d| format!("{d}:{}", person.id));
        if let Some(address) = person.email.clone() {
            let mail = NewMail {
                to_address: address,
                to_name: person.display_name.clone(),
                subject: message.subject.clone(),
                body: format!(
                    "Kính gửi {},\n\n{}\n\nMở trên Lành Mạng: {url}\n\nTrân trọng,\nLành Mạng",
                    person.display_name, message.body
                ),
                reason: message.kind,
                plan_id,
                unit_id: Some(unit_id),
                dedup_key: dedup_key.clone(),
            };
            if mail.check().is_ok() {
                out.mails.push(mail);
            }
        }
        told.people
            .push((person.display_name.clone(), out.mails.len() > mails_before));
        out.notifications.push(NewNotification {
            person_id: person.id,
            unit_id: Some(unit_id),
            kind: message.kind,
            title: message.subject.clone(),
            body: message.body.clone(),
            link: message.link.clone(),
            dedup_key,
        });
    }
    (out, told)
}

/// A school asks the office to reopen its accepted report.
pub fn report_reopen_requested(plan: &Plan, unit: &Unit, requester: &str, reason: &str) -> Message {
    let year = plan.school_year.label();
    Message {
        kind: "report_reopen_requested",
        subject: format!("{} đề nghị mở lại báo cáo năm học {year}", unit.name),
        body: format!(
            "{requester} ({}) đề nghị mở lại báo cáo đánh giá việc thực hiện kế hoạch năm học {year} \
             đã được duyệt, với lý do:\n\n«{}»\n\nNếu đồng ý, xin mở báo cáo của trường và bấm «Mở lại» \
             kèm lý do; các số liệu đã duyệt được giữ nguyên.",
            unit.name,
            reason.trim(),
        ),
        link: format!("/ke-hoach/{}/bao-cao/{}", plan.id, unit.id),
        dedup: None,
    }
}

/// The office returned or reopened a school's yearly report; accepting it tells the school too.
pub fn report_reviewed(plan: &Plan, unit: &Unit, event: ReportEvent, comment: &str) -> Option<Message> {
    let year = plan.school_year.label();
    let link = format!("/ke-hoach/{}/bao-cao/{}", plan.id, unit.id);
    let (kind, subject, body) = match event {
        ReportEvent::Return => (
            "report_returned",
            format!("Báo cáo năm học {year} của {} cần bổ sung", unit.name),
            format!(
                "{} đã trả lại báo cáo đánh giá việc thực hiện kế hoạch năm học {year} của {} với ý kiến:\n\n«{}»\n\n\
                 Xin thầy/cô mở báo cáo của trường, sửa theo ý kiến trên rồi gửi lại. Hạn nộp: {}.",
                plan.issuing_unit_name,
                unit.name,
                comment.trim(),
                date_text(plan.deadline),
            ),
        ),
        ReportEvent::Reopen => (
            "report_reopened",
            format!("Báo cáo năm học {year} của {} được mở lại", unit.name),
            format!(
                "{} đã mở lại báo cáo năm học {year} của {} đã được duyệt, với lý do:\n\n«{}»\n\n\
                 Các số liệu đã duyệt được giữ nguyên; xin thầy/cô cập nhật theo lý do trên rồi gửi lại.",
                plan.issuing_unit_name,
                unit.name,
                comment.trim(),
            ),
        ),
        ReportEvent::Accept => (
            "report_accepted",
            format!("Báo cáo năm học {year} của {} đã được duyệt", unit.name),
            format!(
                "{} đã duyệt báo cáo đánh giá việc thực hiện kế hoạch năm học {year} của {}.",
                plan.issuing_unit_name, unit.name,
            ),
        ),
        ReportEvent::Submit | ReportEvent::Save | ReportEvent::RequestReopen => return None,
    };
    Some(Message {
        kind,
        subject,
        body,
        link,
        dedup: None,
    })
}

/// The office returned or accepted a school's own plan.
pub fn school_plan_reviewed(plan: &Plan, unit: &Unit, event: ReportEvent, comment: &str) -> Option<Message> {
    let year = plan.school_year.label();
    let link = format!("/ke-hoach/{}/truong/{}", plan.id, unit.id);
    let (kind, subject, body) = match event {
        ReportEvent::Return => (
            "school_plan_returned",
            format!("Kế hoạch năm học {year} của {} cần bổ sung", unit.name),
            format!(
                "{} đã trả lại kế hoạch thực hiện năm học {year} của {} với ý kiến:\n\n«{}»\n\n\
                 Xin thầy/cô mở kế hoạch của trường, sửa theo ý kiến trên rồi gửi lại.",
                plan.issuing_unit_name,
                unit.name,
                comment.trim(),
            ),
        ),
        ReportEvent::Accept => (
            "school_plan_accepted",
            format!("Kế hoạch năm học {year} của {} đã được duyệt", unit.name),
            format!(
                "{} đã duyệt kế hoạch thực hiện năm học {year} của {}.",
                plan.issuing_unit_name, unit.name,
            ),
        ),
        _ => return None,
    };
    Some(Message {
        kind,
        subject,
        body,
        link,
        dedup: None,
    })
}

/// The message as an automatic notice from the plan's issuer, listed beside what it sends
/// (`kind`: `plan_published`, `plan_returned`, `report_returned`).
pub fn recorded(plan: &Plan, kind: &'static str, message: &Message) -> lanhmang_store::notifications::NoticeRecord {
    lanhmang_store::notifications::NoticeRecord {
        kind,
        unit_ancestry: plan.issuing_ancestry.clone(),
        title: message.subject.clone(),
        body: message.body.clone(),
        link: message.link.clone(),
    }
}

/// The office published its plan: each school below is asked to make its own plan.
pub fn plan_published(plan: &Plan) -> Message {
    Message {
        kind: "plan_published",
        subject: format!(
            "{} ban hành kế hoạch năm học {}",
            plan.issuing_unit_name,
            plan.school_year.label()
        ),
        body: format!(
            "{} đã ban hành «{}». Xin thầy/cô xem kế hoạch, lập kế hoạch thực hiện của trường và \
             gửi báo cáo đánh giá trước hết ngày {}.",
            plan.issuing_unit_name,
            plan.title,
            date_text(plan.deadline),
        ),
        link: format!("/ke-hoach/{}", plan.id),
        dedup: Some(format!("plan_published:{}", plan.id)),
    }
}

/// The office changed its published plan: a new version, with the note saying what changed.
pub fn plan_changed(plan: &Plan, version: i64, note: &str) -> Message {
    Message {
        kind: "plan_changed",
        subject: format!(
            "{} điều chỉnh kế hoạch năm học {}",
            plan.issuing_unit_name,
            plan.school_year.label()
        ),
        body: format!(
            "{} đã điều chỉnh «{}» (phiên bản {version}):\n\n«{}»\n\nXin thầy/cô xem lại kế hoạch và điều chỉnh \
             kế hoạch của trường nếu cần. Hạn gửi báo cáo: {}.",
            plan.issuing_unit_name,
            plan.title,
            note.trim(),
            date_text(plan.deadline),
        ),
        link: format!("/ke-hoach/{}", plan.id),
        dedup: Some(format!("plan_changed:{}:{version}", plan.id)),
    }
}

/// The reminder a principal gets `days_left` days before the deadline while the school's report
/// is not sent (once per offset and principal: the dedup key).
pub fn deadline_reminder_mail(
    links: &crate::Links,
    plan: &Plan,
    p: &lanhmang_store::reports::PendingPrincipal,
    days_left: i64,
) -> NewMail {
    let state = match p.status {
        None => "Trường chưa bắt đầu lập báo cáo.",
        Some(lanhmang_domain::report::ReportStatus::Returned) => {
            "Báo cáo của trường đã được Phòng trả lại để bổ sung và chưa được gửi lại."
        }
        Some(lanhmang_domain::report::ReportStatus::Reopened) => {
            "Báo cáo đã duyệt của trường đã được Phòng mở lại và chưa được gửi lại."
        }
        _ => "Báo cáo của trường đang ở dạng bản nháp, chưa gửi.",
    };
    let url = links.url(&format!("/ke-hoach/{}/bao-cao/{}", plan.id, p.unit_id));
    NewMail {
        to_address: p.email.clone(),
        to_name: p.name.clone(),
        subject: format!(
            "Còn {days_left} ngày: báo cáo năm học {} của {}",
            plan.school_year.label(),
            p.unit_name
        ),
        body: format!(
            "Kính gửi {},\n\nHạn gửi báo cáo đánh giá việc thực hiện kế hoạch năm học {} về {} là ngày {} (còn {days_left} ngày). {state}\n\n\
             Phần lớn số liệu đã được điền sẵn từ nhật ký hoạt động của trường; thầy/cô chỉ cần kiểm tra, viết phần đánh giá và bấm «Lưu và gửi Phòng»: {url}\n\nTrân trọng,\nLành Mạng",
            p.name,
            plan.school_year.label(),
            plan.issuing_unit_name,
            date_text(plan.deadline),
        ),
        reason: "reminder",
        plan_id: Some(plan.id),
        unit_id: Some(p.unit_id),
        dedup_key: Some(format!(
            "reminder:{}:{}:{days_left}:{}",
            plan.id, p.unit_id, p.person_id
        )),
    }
}

/// The office's reminder to one school, by hand from the dashboard (once per school and day).
pub fn manual_reminder(
    plan: &Plan,
    unit: &Unit,
    report: Option<&lanhmang_store::reports::Report>,
    today: time::Date,
) -> Message {
    let days = (plan.deadline - today).whole_days();
    let left = match days {
        d if d > 0 => format!("còn {d} ngày"),
        0 => "hôm nay là hạn cuối".into(),
        d => format!("đã quá hạn {} ngày", -d),
    };
    let status = report.map(|r| r.status);
    let comment = report
        .filter(|r| r.status.awaiting_school() && !r.review_comment.trim().is_empty())
        .map(|r| {
            let when = if r.status == lanhmang_domain::report::ReportStatus::Reopened {
                "mở lại"
            } else {
                "trả lại"
            };
            format!(
                "\nÝ kiến của {} khi {when} báo cáo: «{}»\n",
                plan.issuing_unit_name,
                r.review_comment.trim()
            )
        })
        .unwrap_or_default();
    let name: String = unit.name.chars().take(150).collect();
    Message {
        kind: "manual_reminder",
        subject: format!("Nhắc nộp báo cáo năm học {} – {name}", plan.school_year.label()),
        body: format!(
            "{} nhắc {} hoàn thành và gửi báo cáo đánh giá việc thực hiện «{}», năm học {}.\n\n\
             Hạn nộp: {} ({left}).\nTình trạng báo cáo hiện nay: {}.\n{comment}\n\
             Phần lớn số liệu đã được điền sẵn từ nhật ký hoạt động của trường.",
            plan.issuing_unit_name,
            unit.name,
            plan.title,
            plan.school_year.label(),
            date_text(plan.deadline),
            crate::reports::status_label(status).to_lowercase(),
        ),
        link: format!("/ke-hoach/{}/bao-cao/{}", plan.id, unit.id),
        dedup: Some(format!("manual_reminder:{}:{}:{today}", plan.id, unit.id)),
    }
}
