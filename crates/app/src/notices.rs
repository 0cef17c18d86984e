//! Notices (thông báo, công văn; T1.1): an office or a department sends one to the people of its
//! subtree that the audience names; each reads it, acknowledges it when asked, and is reminded
//! once on the due day if they have not.
//!
//! Who sees a notice: those who send notices at its issuing unit (with every recipient's
//! reading, per unit and per person) and its recipients (their own reading only); anyone else
//! gets 404. Sending returns at once: the delivery job writes the notifications and mails.

use lanhmang_domain::document_number::{DocumentKind, DocumentNumber};
use lanhmang_domain::notice::{NoticeFields, NoticeInput};
use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::report::vietnam_date;
use lanhmang_domain::{Action, Paging, Target};
use lanhmang_store::notices::{ListedNotice, NewNotice, Notice, Reading, RecipientRow, Sent, UnitReading};
use lanhmang_store::notifications::Outgoing;
use lanhmang_store::people::Person;
use time::Date;

use crate::notifications::{Audience, Message, addressed_about};
use crate::{Actor, App, AppError, Problem, Result};

/// A notice as the reader may see it.
#[derive(Debug, Clone)]
pub struct NoticeView {
    pub notice: Notice,
    /// "12/TB-PGDĐT"; None for an automatic notice.
    pub number: Option<String>,
    /// The reader sends notices at its unit: sees every recipient's reading.
    pub sender: bool,
    /// The reader's own reading, when it was addressed to them.
    pub reading: Option<Reading>,
    pub may_acknowledge: bool,
    /// For senders: per unit, how many were addressed, read and acknowledged.
    pub units: Vec<UnitReading>,
    /// The files it carries.
    pub attachments: Vec<lanhmang_store::notices::NoticeAttachment>,
}

/// A sent notice's number in the form of Decree 30/2020; an automatic one has none.
pub fn number_of(n: &Notice) -> Option<String> {
    let (Some(sequence), Some(issuer)) = (n.doc_sequence, n.doc_issuer.as_ref()) else {
        return None;
    };
    Some(
        DocumentNumber {
            sequence: u32::try_from(sequence).unwrap_or(u32::MAX),
            kind: DocumentKind::Notice,
            issuer: issuer.clone(),
        }
        .format(),
    )
}

/// The units a person may send notices from: the roots of their scope, for staff notices and
/// for notices to families.
pub async fn sender_units(app: &App, actor: &Actor) -> Result<Vec<lanhmang_store::Unit>> {
    let mut roots = scope_roots(&actor.permissions, Action::SendNotices);
    roots.extend(scope_roots(&actor.permissions, Action::ReachParents));
    roots.sort_unstable();
    roots.dedup();
    Ok(app.store.units_by_ids(&roots).await?)
}

/// Whether the person may send staff notices (not only notices to families) from somewhere.
pub fn may_address_staff(actor: &Actor) -> bool {
    !scope_roots(&actor.permissions, Action::SendNotices).is_empty()
}

/// The issuer's symbol in a number: the one its plans carry, else its code, kept to what a
/// Decree 30 number allows (letters, digits, '-'; at most 20).
async fn issuer_symbol(app: &App, unit: &lanhmang_store::Unit) -> Result<String> {
    let symbol = match app.store.latest_doc_issuer(unit.id).await? {
        Some(s) => s,
        None => unit.code.to_uppercase(),
    };
    let kept: String = symbol
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-')
        .take(20)
        .collect();
    Ok(if kept.is_empty() { "DV".into() } else { kept })
}

/// Sends a notice from the unit `unit_id` (or the sender's only one) to everyone its audience
/// names. A notice to staff is numbered next in the unit's register for the year; a message to
/// families only is not. Gives what was sent and its number, if any.
pub async fn send(
    app: &App,
    actor: &Actor,
    unit_id: Option<i64>,
    input: &NoticeInput,
    files: Vec<crate::activities::Upload>,
) -> Result<(Sent, Option<String>)> {
    let unit = match unit_id {
        Some(id) => app.store.unit(id).await?.ok_or(AppError::NotFound)?,
        None => match sender_units(app, actor).await?.as_slice() {
            [one] => one.clone(),
            [] => return Err(AppError::Forbidden),
            _ => {
                return Err(AppError::Invalid(vec![Problem::at(
                    "unit_id",
                    "Hãy chọn đơn vị ban hành.",
                )]));
            }
        },
    };
    let target = Target::Unit(&unit.ancestry);
    let staff_sender = actor.may(Action::SendNotices, target);
    let family_sender = actor.may(Action::ReachParents, target);
    if !staff_sender && !family_sender {
        return Err(if actor.may(Action::ViewUnit, target) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    // A notice carries its issuer's number, letterhead and signer: an office sends in its own
    // name, never in the name of a school below it.
    let roots = if staff_sender {
        scope_roots(&actor.permissions, Action::SendNotices)
    } else {
        scope_roots(&actor.permissions, Action::ReachParents)
    };
    if !roots.contains(&unit.id) {
        return Err(AppError::Invalid(vec![Problem::at(
            "unit_id",
            "Chỉ gửi được thông báo nhân danh đơn vị của mình, không nhân danh đơn vị trực thuộc.",
        )]));
    }
    let today = vietnam_date(lanhmang_store::now());
    // Every problem at once, the files' with the fields'.
    let mut problems = Vec::new();
    let fields = input.parse(today).map_err(|list| problems.extend(list)).ok();
    let mut received = Vec::new();
    for file in files {
        if file.too_large {
            problems.push(lanhmang_domain::field::FieldProblem::at(
                "attachments",
                format!(
                    "Tệp «{}» quá lớn.",
                    lanhmang_domain::activity::clean_file_name(&file.name)
                ),
            ));
        } else {
            received.push((file.name, file.bytes));
        }
    }
    let attachments = lanhmang_domain::notice::check_attachments(received)
        .map_err(|list| problems.extend(list))
        .unwrap_or_default();
    let fields: NoticeFields = match fields {
        Some(f) if problems.is_empty() => f,
        _ => return Err(AppError::Invalid(problems.into_iter().map(Problem::from).collect())),
    };
    if !staff_sender && !fields.audience.parents_only() {
        return Err(AppError::Invalid(vec![Problem::at(
            "roles",
            "Giáo viên gửi thông báo cho cha mẹ học sinh; thông báo cho cán bộ, giáo viên do hiệu trưởng gửi.",
        )]));
    }
    // What the domain cannot check: the units exist, in the issuing unit's subtree.
    let found = app.store.units_by_ids(&fields.audience.unit_ids).await?;
    for id in &fields.audience.unit_ids {
        if !found.iter().any(|u| u.id == *id && u.ancestry.contains(&unit.id)) {
            return Err(AppError::Invalid(vec![Problem::at(
                "units",
                "Chỉ gửi được đến đơn vị ban hành và các đơn vị trực thuộc.",
            )]));
        }
    }
    // A class is named within one school: "4B" of every school at once is never meant.
    let one_school = match found.as_slice() {
        [] => unit.kind == lanhmang_domain::UnitKind::School,
        [only] => only.kind == lanhmang_domain::UnitKind::School,
        _ => false,
    };
    if !fields.audience.classes.is_empty() && !one_school {
        return Err(AppError::Invalid(vec![Problem::at(
            "classes",
            "Lớp được gọi theo từng trường: hãy gửi từ trường, hoặc chọn đúng một trường rồi ghi lớp.",
        )]));
    }
    let numbered = if fields.audience.parents_only() {
        None
    } else {
        Some((issuer_symbol(app, &unit).await?, today.year()))
    };
    let reaches_parents = fields.audience.roles.contains(&lanhmang_domain::Role::Parent);
    let new = NewNotice {
        title: fields.title,
        body: fields.body,
        audience: fields.audience,
        ack_required: fields.ack_required,
        due_on: fields.due,
        numbered,
        first_batch: lanhmang_store::notices::ADDRESSED_IN_REQUEST,
        attachments,
        // Posted to a messaging provider is delivered to families: it waits for the morning too.
        webhooks_from: if reaches_parents {
            app.settings.quiet_hours.resume_at(lanhmang_store::now())
        } else {
            None
        },
    };
    let sent = app.store.send_notice(&actor.audit(), &unit.ancestry, &new).await?;
    let number = match app.store.notice(sent.id).await? {
        Some(n) => number_of(&n),
        None => None,
    };
    Ok((sent, number))
}

/// Notices the person sent (in their scope) or received, newest first; `unread_only`: those
/// addressed to them that they have not read.
pub async fn list(app: &App, actor: &Actor, unread_only: bool, paging: Paging) -> Result<(Vec<ListedNotice>, i64)> {
    let roots = scope_roots(&actor.permissions, Action::SendNotices);
    Ok(app
        .store
        .notices_for(&roots, actor.person.id, unread_only, paging.limit(), paging.offset())
        .await?)
}

/// Whether the person follows the notice's readings: they wrote it (a teacher's notice to the
/// parents of a class), or they send notices at its unit. A message to families names parents:
/// only the unit that sent it follows it, never the offices above a school.
pub fn follows(actor: &Actor, notice: &Notice) -> bool {
    // The teacher who wrote it, while they still work at the school.
    if notice.created_by == Some(actor.person.id)
        && actor.may(Action::ReachParents, Target::Unit(&notice.unit_ancestry))
    {
        return true;
    }
    if notice.audience.parents_only() {
        return scope_roots(&actor.permissions, Action::SendNotices).contains(&notice.unit_id);
    }
    actor.may(Action::SendNotices, Target::Unit(&notice.unit_ancestry))
}

/// The notice, whether the reader sends at its unit, and their own reading; 404 for others.
async fn access(app: &App, actor: &Actor, id: i64) -> Result<(Notice, bool, Option<Reading>)> {
    let notice = app.store.notice(id).await?.ok_or(AppError::NotFound)?;
    let sender = follows(actor, &notice);
    let reading = app.store.notice_reading(id, actor.person.id).await?;
    if !sender && reading.is_none() {
        return Err(AppError::NotFound);
    }
    Ok((notice, sender, reading))
}

/// A notice as the reader may see it. A recipient opening it has read it.
pub async fn open(app: &App, actor: &Actor, id: i64) -> Result<NoticeView> {
    let (_, _, reading) = access(app, actor, id).await?;
    if reading.is_some_and(|r| r.read_at.is_none()) {
        app.store.mark_notice(id, actor.person.id, false).await?;
    }
    get(app, actor, id).await
}

/// A notice as the reader may see it, without marking it read.
pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<NoticeView> {
    let (notice, sender, reading) = access(app, actor, id).await?;
    Ok(NoticeView {
        number: number_of(&notice),
        may_acknowledge: notice.ack_required && reading.is_some_and(|r| r.acknowledged_at.is_none()),
        units: if sender {
            app.store.notice_unit_readings(id).await?
        } else {
            Vec::new()
        },
        attachments: if notice.attachments > 0 {
            app.store.notice_attachments(id).await?
        } else {
            Vec::new()
        },
        notice,
        sender,
        reading,
    })
}

/// One file of a notice, for whoever may read the notice.
pub async fn attachment(
    app: &App,
    actor: &Actor,
    id: i64,
    file_id: i64,
) -> Result<(lanhmang_store::notices::NoticeAttachment, Vec<u8>)> {
    access(app, actor, id).await?;
    app.store
        .notice_attachment(id, file_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A recipient marks the notice read (and, with `acknowledge`, acknowledged). Twice is harmless.
pub async fn mark(app: &App, actor: &Actor, id: i64, acknowledge: bool) -> Result<NoticeView> {
    let (notice, _, reading) = access(app, actor, id).await?;
    if reading.is_none() {
        return Err(AppError::Forbidden);
    }
    if acknowledge && !notice.ack_required {
        return Err(AppError::Conflict(
            "Thông báo này không yêu cầu xác nhận; chỉ cần đọc.".into(),
        ));
    }
    app.store.mark_notice(id, actor.person.id, acknowledge).await?;
    get(app, actor, id).await
}

/// Every recipient with their reading, those who have not read first; senders only.
pub async fn recipients(app: &App, actor: &Actor, id: i64, paging: Paging) -> Result<(Vec<RecipientRow>, i64)> {
    let (notice, sender, _) = access(app, actor, id).await?;
    if !sender {
        return Err(AppError::Forbidden);
    }
    let mut rows = app.store.notice_recipients(id, paging.limit(), paging.offset()).await?;
    // Parents are named only to their own school (those who reach its families); an office
    // sees that a parent read it, not who.
    let schools = scope_roots(&actor.permissions, Action::ReachParents);
    for row in rows.iter_mut().filter(|r| r.parent) {
        if !schools.contains(&row.unit_id) {
            row.display_name = "Cha mẹ học sinh".into();
        }
    }
    Ok((rows, notice.recipients))
}

/// The notice in the form of Decree 30/2020, for its senders and recipients to print; `place`
/// is the place name of the date line.
pub async fn document(app: &App, actor: &Actor, id: i64, place: String) -> Result<lanhmang_export::OfficialDocument> {
    use lanhmang_export::{Letterhead, OfficialDocument, Signature};
    let (notice, _, _) = access(app, actor, id).await?;
    let Some(number) = number_of(&notice) else {
        return Err(AppError::Conflict(
            "Thông báo này không vào sổ văn bản (thông báo tự động, hoặc thư gửi cha mẹ học sinh) nên không có bản in theo Nghị định 30/2020; hãy đọc trên Lành Mạng.".into(),
        ));
    };
    let unit = app.store.unit(notice.unit_id).await?.ok_or(AppError::NotFound)?;
    let title = match unit.kind {
        lanhmang_domain::UnitKind::Department => "Giám đốc",
        lanhmang_domain::UnitKind::Office => "Trưởng phòng",
        _ => "Thủ trưởng đơn vị",
    };
    let mut intro: Vec<String> = lanhmang_domain::lesson::paragraphs(&notice.body)
        .map(str::to_string)
        .collect();
    if let Some(due) = notice.due_on {
        intro.push(format!(
            "Thời hạn: chậm nhất ngày {}.",
            lanhmang_domain::text::date_text(due)
        ));
    }
    Ok(OfficialDocument {
        letterhead: Letterhead {
            parent_authority: crate::letterhead::authority_above(app, &unit).await?,
            issuing_unit: unit.name.clone(),
            number,
            place,
            date: vietnam_date(notice.created_at),
        },
        kind_title: "Thông báo".into(),
        subtitle: notice.title.clone(),
        intro,
        sections: Vec::new(),
        recipients: vec![
            format!("{} (trên Lành Mạng);", notice.audience.describe()),
            "Lưu: VT.".into(),
        ],
        signature: Signature {
            on_behalf: None,
            title: title.into(),
            signer: crate::letterhead::signer(app, unit.id, lanhmang_domain::Role::OfficeHead).await?,
        },
    })
}

pub use lanhmang_domain::notice::excerpt;

fn due_text(n: &Notice) -> String {
    match (n.due_on, n.ack_required) {
        (Some(d), true) => format!(
            " Đề nghị đọc và xác nhận trước ngày {}.",
            lanhmang_domain::text::date_text(d)
        ),
        (Some(d), false) => format!(" Đề nghị đọc trước ngày {}.", lanhmang_domain::text::date_text(d)),
        (None, true) => " Đề nghị đọc và bấm «Đã nhận» trên Lành Mạng.".into(),
        (None, false) => String::new(),
    }
}

/// "thông báo số 12/TB-PGDĐT", or "thông báo" for a message to families (not numbered).
fn named(notice: &Notice) -> String {
    match number_of(notice) {
        Some(number) => format!("thông báo số {number}"),
        None => "thông báo".into(),
    }
}

/// "Thông báo số 12/TB-PGDĐT" / "Thông báo", to begin a line.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The notice's notification and mail to some of its recipients. At night the mail waits for
/// the morning (the quiet hours); the notice is in the app at once.
fn delivery(app: &App, notice: &Notice, people: &[Person]) -> Outgoing {
    let name = named(notice);
    let message = Message {
        kind: "notice",
        subject: format!("{}: {}", capitalized(&name), notice.title),
        body: format!(
            "{} gửi {name} “{}”.{}\n\n{}",
            notice.unit_name,
            notice.title,
            due_text(notice),
            excerpt(&notice.body, 1_500)
        ) + &if notice.attachments > 0 {
            format!(
                "\n\nKèm theo {} tệp: mở thông báo trên Lành Mạng để tải về.",
                notice.attachments
            )
        } else {
            String::new()
        },
        link: format!("/van-ban/{}", notice.id),
        dedup: Some(format!("notice:{}", notice.id)),
    };
    let mut outgoing = addressed_about(
        app,
        None,
        notice.unit_id,
        &message,
        people.iter().cloned(),
        Audience::Addressed,
    )
    .0;
    outgoing.mail_held_until = app.settings.quiet_hours.resume_at(lanhmang_store::now());
    outgoing
}

/// Most recipients one delivery step tells.
pub const DELIVERY_BATCH: i64 = 500;

/// Tells the next recipients not yet told of their notices; gives how many and whether more wait.
pub async fn deliver(app: &App) -> Result<(usize, bool)> {
    Ok(app
        .store
        .deliver_notice_batch(DELIVERY_BATCH, |n, people| delivery(app, n, people))
        .await?)
}

/// On a notice's due day, those who have not read it (or not acknowledged it, when asked) are
/// reminded, once. Gives how many people were reminded.
pub async fn remind_due(app: &App, today: Date) -> Result<usize> {
    let mut reminded = 0;
    for notice in app.store.notices_due_for_reminder(today).await? {
        // Reminded once, after everyone was told: a later run reminds it.
        if app.store.notice_undelivered(notice.id).await? {
            continue;
        }
        let people = app.store.notice_laggards(&notice).await?;
        let name = named(&notice);
        let what = if notice.ack_required {
            "chưa xác nhận đã nhận"
        } else {
            "chưa đọc"
        };
        let message = Message {
            kind: "notice_reminder",
            subject: format!("Nhắc: {name} đến hạn"),
            body: format!(
                "Anh/chị {what} {name} “{}” của {}, hạn ngày {}. Xin mở thông báo trên Lành Mạng.",
                notice.title,
                notice.unit_name,
                notice.due_on.map(lanhmang_domain::text::date_text).unwrap_or_default()
            ),
            link: format!("/van-ban/{}", notice.id),
            dedup: Some(format!("notice-reminder:{}", notice.id)),
        };
        let (mut outgoing, _) = addressed_about(
            app,
            None,
            notice.unit_id,
            &message,
            people.iter().cloned(),
            Audience::Addressed,
        );
        outgoing.mail_held_until = app.settings.quiet_hours.resume_at(lanhmang_store::now());
        if app.store.send_notice_reminder(notice.id, &outgoing).await? {
            reminded += people.len();
        }
    }
    Ok(reminded)
}

/// The classes a school's notice to families reaches, by grade and name: those it names, else
/// the school's classes (of its grades, when it names grades). Refused for a notice that is not
/// a school's notice to families: slips and contact books are the school's channels.
async fn family_classes(app: &App, actor: &Actor, id: i64) -> Result<(Notice, Vec<String>)> {
    let (notice, sender, _) = access(app, actor, id).await?;
    if !sender {
        return Err(AppError::Forbidden);
    }
    let unit = app.store.unit(notice.unit_id).await?.ok_or(AppError::NotFound)?;
    if unit.kind != lanhmang_domain::UnitKind::School || !notice.audience.roles.contains(&lanhmang_domain::Role::Parent)
    {
        return Err(AppError::Conflict(
            "Phiếu in và tệp sổ liên lạc dành cho thông báo của trường gửi cha mẹ học sinh.".into(),
        ));
    }
    let a = &notice.audience;
    let classes: Vec<String> = if a.classes.is_empty() {
        app.store
            .classes_of_school(unit.id)
            .await?
            .into_iter()
            .filter(|c| a.grades.is_empty() || a.grades.iter().any(|g| i64::from(*g) == c.grade))
            .map(|c| c.class_name)
            .collect()
    } else {
        a.classes.iter().map(|c| c.as_str().to_string()).collect()
    };
    Ok((notice, classes))
}

/// The classes a school's notice to families can be printed or exported for.
pub async fn family_channels(app: &App, actor: &Actor, id: i64) -> Result<Vec<String>> {
    Ok(family_classes(app, actor, id).await?.1)
}

/// The notice as slips for a class's families without a smartphone (`class` empty: the whole
/// school), `copies` of them; `url` is where it is read online.
pub async fn slips(
    app: &App,
    actor: &Actor,
    id: i64,
    class: &str,
    copies: usize,
    url: String,
) -> Result<lanhmang_export::Slips> {
    let (notice, classes) = family_classes(app, actor, id).await?;
    let class = class.trim();
    if !class.is_empty() && !classes.iter().any(|c| c == class) {
        return Err(AppError::Invalid(vec![Problem::at(
            "lop",
            "Thông báo này không gửi lớp đó.",
        )]));
    }
    if !(1..=lanhmang_export::MAX_SLIPS).contains(&copies) {
        return Err(AppError::Invalid(vec![Problem::at(
            "so",
            format!("Số phiếu từ 1 đến {}.", lanhmang_export::MAX_SLIPS),
        )]));
    }
    let date = vietnam_date(notice.created_at);
    Ok(lanhmang_export::Slips {
        unit_name: notice.unit_name.clone(),
        class_name: class.to_string(),
        title: notice.title.clone(),
        date_text: format!(
            "Ngày {:02} tháng {:02} năm {}",
            date.day(),
            u8::from(date.month()),
            date.year()
        ),
        body: notice.body.clone(),
        due_text: notice.due_on.map(|d| {
            let what = if notice.ack_required {
                "Hạn gửi lại phiếu"
            } else {
                "Hạn"
            };
            format!("{what}: ngày {}", lanhmang_domain::text::date_text(d))
        }),
        url,
        ack_required: notice.ack_required,
        copies,
    })
}

/// One class's line of the contact-book file: the notice as one text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactBookLine {
    pub class_name: String,
    pub message: String,
    pub link: String,
    pub title: String,
}

/// The notice as one text message per class, for the school to paste or import into its
/// electronic contact book; `link` is where it is read online.
pub async fn contact_book(app: &App, actor: &Actor, id: i64, link: &str) -> Result<Vec<ContactBookLine>> {
    let (notice, classes) = family_classes(app, actor, id).await?;
    let message = lanhmang_domain::notice::sms_text(&notice.unit_name, &notice.title, &notice.body, link);
    let classes = if classes.is_empty() {
        vec![String::new()]
    } else {
        classes
    };
    Ok(classes
        .into_iter()
        .map(|class_name| ContactBookLine {
            class_name,
            message: message.clone(),
            link: link.to_string(),
            title: notice.title.clone(),
        })
        .collect())
}
