//! Notices (văn bản, thông báo): the list of those received and sent, the sending form, a
//! notice's page (for a recipient: the text and the acknowledgment; for a sender: who read and
//! acknowledged it, per unit and per person). Rules live in `lanhmang_app::notices`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::notices::{self as service};
use lanhmang_domain::lesson::paragraphs;
use lanhmang_domain::notice::{AUDIENCE_ROLES, NoticeInput};
use lanhmang_domain::unit::{SchoolLevel, UnitKind};
use serde::Deserialize;

use super::{Choice, all, one, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::format::date_time;
use crate::layout::{FieldErrors, Layout, Pager, render, render_form};

fn layout(title: impl Into<String>, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, "/van-ban");
    layout.notice = notice.and_then(|code| match code {
        "da-gui" => Some("Đã gửi thông báo. Người nhận thấy ngay trên Lành Mạng; thư điện tử được gửi dần đến những ai có địa chỉ e-mail."),
        "da-xac-nhan" => Some("Đã xác nhận đã nhận thông báo."),
        _ => None,
    });
    layout
}

fn day(d: time::Date) -> String {
    lanhmang_domain::text::date_text(d)
}

// ---------------------------------------------------------------------------------------------
// The list.

pub struct Row {
    id: i64,
    number: String,
    title: String,
    unit_name: String,
    sent: String,
    due: String,
    /// For a recipient: "Chưa đọc", "Đã đọc", "Đã xác nhận"; empty for a sender only.
    state: &'static str,
    unread: bool,
    /// For a sender: "đã đọc 3/12 · xác nhận 2/12".
    counts: String,
}

#[derive(Template)]
#[template(path = "notice_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
    unread_only: bool,
    may_send: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<String>,
    per_page: Option<String>,
    chua_doc: Option<String>,
    tb: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let unread_only = q.chua_doc.as_deref() == Some("1");
    let (items, total) = service::list(&state.app, &identity, unread_only, paging).await?;
    let may_send = !service::sender_units(&state.app, &identity).await?.is_empty();
    let filter: Vec<(&str, String)> = if unread_only {
        vec![("chua_doc", "1".into())]
    } else {
        Vec::new()
    };
    render(&ListPage {
        layout: layout("Văn bản, thông báo", &identity, q.tb.as_deref()),
        rows: items
            .iter()
            .map(|l| {
                let n = &l.notice;
                let sender = service::follows(&identity, n);
                Row {
                    id: n.id,
                    number: service::number_of(n).unwrap_or_else(|| "—".into()),
                    title: n.title.clone(),
                    unit_name: n.unit_name.clone(),
                    sent: date_time(n.created_at),
                    due: n.due_on.map(day).unwrap_or_default(),
                    state: match (l.addressed, l.read_at, l.acknowledged_at) {
                        (false, _, _) => "",
                        (true, _, Some(_)) => "Đã xác nhận",
                        (true, Some(_), None) if n.ack_required => "Đã đọc, chưa xác nhận",
                        (true, Some(_), None) => "Đã đọc",
                        (true, None, _) => "Chưa đọc",
                    },
                    unread: l.addressed && l.read_at.is_none(),
                    counts: if sender {
                        counts_text(n.read_count, n.ack_count, n.recipients, n.ack_required)
                    } else {
                        String::new()
                    },
                }
            })
            .collect(),
        pager: Pager::new("/van-ban", &filter, paging, total),
        unread_only,
        may_send,
    })
}

fn counts_text(read: i64, acknowledged: i64, recipients: i64, ack_required: bool) -> String {
    if ack_required {
        format!("đã đọc {read}/{recipients} · xác nhận {acknowledged}/{recipients}")
    } else {
        format!("đã đọc {read}/{recipients}")
    }
}

// ---------------------------------------------------------------------------------------------
// Sending.

#[derive(Template)]
#[template(path = "notice_form.html")]
struct FormPage {
    layout: Layout,
    units: Vec<Choice>,
    audience_units: Vec<Choice>,
    kinds: Vec<Choice>,
    levels: Vec<Choice>,
    roles: Vec<Choice>,
    grades: Vec<Choice>,
    /// The classes with parents at the sender's schools, to pick from.
    classes: Vec<Choice>,
    /// Only notices to families: the staff's choices are not shown.
    families_only: bool,
    input: NoticeInput,
    errors: FieldErrors,
}

async fn form_page(
    state: &AppState,
    identity: &Identity,
    unit_id: &str,
    input: NoticeInput,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let sender_units = service::sender_units(&state.app, identity).await?;
    let mut audience_units: Vec<Choice> = Vec::new();
    let checked = |id: i64| input.units.contains(&id.to_string());
    for u in &sender_units {
        audience_units.push((u.id.to_string(), u.name.clone(), checked(u.id)));
        for s in state.app.store.active_schools_under(u.id).await? {
            if s.id != u.id {
                audience_units.push((s.id.to_string(), s.name.clone(), checked(s.id)));
            }
        }
    }
    let pick = |values: &[String], key: &str| values.iter().any(|v| v == key);
    let families_only = !service::may_address_staff(identity);
    let mut classes: Vec<Choice> = Vec::new();
    for u in sender_units.iter().filter(|u| u.kind == UnitKind::School) {
        for c in state.app.store.classes_of_school(u.id).await? {
            if !classes.iter().any(|(v, _, _)| *v == c.class_name) {
                let label = format!("{} ({} cha mẹ)", c.class_name, c.parents);
                let checked = pick(&input.classes, &c.class_name);
                classes.push((c.class_name, label, checked));
            }
        }
    }
    let page = FormPage {
        layout: layout("Gửi thông báo", identity, None),
        units: sender_units
            .iter()
            .map(|u| (u.id.to_string(), u.name.clone(), u.id.to_string() == unit_id))
            .collect(),
        audience_units,
        kinds: [UnitKind::School, UnitKind::Office, UnitKind::Other]
            .iter()
            .map(|k| {
                (
                    k.as_str().to_string(),
                    k.label().to_string(),
                    pick(&input.unit_kinds, k.as_str()),
                )
            })
            .collect(),
        levels: SchoolLevel::ALL
            .iter()
            .map(|l| {
                (
                    l.as_str().to_string(),
                    l.label().to_string(),
                    pick(&input.school_levels, l.as_str()),
                )
            })
            .collect(),
        grades: (1..=lanhmang_domain::parents::MAX_GRADE)
            .map(|g| (g.to_string(), format!("Khối {g}"), pick(&input.grades, &g.to_string())))
            .collect(),
        classes,
        families_only,
        roles: AUDIENCE_ROLES
            .iter()
            .filter(|r| !families_only || **r == lanhmang_domain::Role::Parent)
            .map(|r| {
                (
                    r.as_str().to_string(),
                    r.label().to_string(),
                    pick(&input.roles, r.as_str()),
                )
            })
            .collect(),
        errors,
        input,
    };
    let invalid = !page.errors.is_empty();
    render_form(&page, invalid)
}

pub async fn new_form(State(state): State<AppState>, identity: Identity) -> Result<Response, AppError> {
    if service::sender_units(&state.app, &identity).await?.is_empty() {
        return Err(AppError::Forbidden);
    }
    let first = if service::may_address_staff(&identity) {
        "principal"
    } else {
        "parent"
    };
    let input = NoticeInput {
        roles: vec![first.into()],
        ..Default::default()
    };
    form_page(&state, &identity, "", input, FieldErrors::default()).await
}

/// A form's fields as the use case's input.
fn input_from(fields: &[(String, String)]) -> NoticeInput {
    NoticeInput {
        title: one(fields, "title"),
        body: one(fields, "body"),
        units: all(fields, "units"),
        unit_kinds: all(fields, "unit_kinds"),
        school_levels: all(fields, "school_levels"),
        roles: all(fields, "roles"),
        classes: all(fields, "classes"),
        grades: all(fields, "grades"),
        ack_required: one(fields, "ack_required") == "1",
        due: one(fields, "due"),
    }
}

pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let (fields, files) =
        super::activities::read_fields_and_files(multipart, "file", lanhmang_domain::notice::MAX_ATTACHMENTS_BYTES)
            .await?;
    let input = input_from(&fields);
    let unit_raw = one(&fields, "unit_id");
    let unit_id = unit_raw.trim().parse::<i64>().ok().filter(|id| *id > 0);
    match service::send(&state.app, &identity, unit_id, &input, files).await {
        Ok((sent, _)) => Ok(Redirect::to(&format!("/van-ban/{}?tb=da-gui", sent.id)).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            form_page(&state, &identity, &unit_raw, input, super::field_errors(&problems)).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// A notice's page.

/// One unit's readings: (name, addressed, read, acknowledged).
type UnitRow = (String, i64, i64, i64);

#[derive(Template)]
#[template(path = "notice_show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    /// Empty for an automatic notice (no document to print).
    number: String,
    /// What an automatic notice is about.
    link: String,
    title: String,
    unit_name: String,
    sent: String,
    due: String,
    paragraphs: Vec<String>,
    ack_required: bool,
    addressed: bool,
    read_at: String,
    acknowledged_at: String,
    may_acknowledge: bool,
    sender: bool,
    audience: String,
    counts: String,
    units: Vec<UnitRow>,
    /// For a school's notice to families: the classes it can be printed or exported for.
    family_classes: Vec<String>,
    family_channels: bool,
    max_slips: usize,
    /// (id, name, size in words)
    attachments: Vec<(i64, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    tb: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let v = service::open(&state.app, &identity, parse_id(&id)?).await?;
    let n = &v.notice;
    // Slips and the contact book are for the school's own notices to families.
    let (family_channels, family_classes) = match service::family_channels(&state.app, &identity, n.id).await {
        Ok(classes) => (true, classes),
        Err(lanhmang_app::AppError::Conflict(_) | lanhmang_app::AppError::Forbidden) => (false, Vec::new()),
        Err(e) => return Err(e.into()),
    };
    render(&ShowPage {
        family_classes,
        family_channels,
        max_slips: lanhmang_export::MAX_SLIPS,
        layout: layout(
            match &v.number {
                Some(number) => format!("Thông báo số {number}"),
                None => n.title.clone(),
            },
            &identity,
            q.tb.as_deref(),
        ),
        link: n.link.clone(),
        id: n.id,
        title: n.title.clone(),
        unit_name: n.unit_name.clone(),
        sent: date_time(n.created_at),
        due: n.due_on.map(day).unwrap_or_default(),
        paragraphs: paragraphs(&n.body).map(str::to_string).collect(),
        ack_required: n.ack_required,
        addressed: v.reading.is_some(),
        read_at: v.reading.and_then(|r| r.read_at).map(date_time).unwrap_or_default(),
        acknowledged_at: v
            .reading
            .and_then(|r| r.acknowledged_at)
            .map(date_time)
            .unwrap_or_default(),
        may_acknowledge: v.may_acknowledge,
        sender: v.sender,
        audience: n.audience.describe(),
        counts: if n.addressing {
            // A large audience is addressed after the request: the counts are those so far.
            format!(
                "{} · đang xác định thêm người nhận, số liệu tăng dần",
                counts_text(n.read_count, n.ack_count, n.recipients, n.ack_required)
            )
        } else {
            counts_text(n.read_count, n.ack_count, n.recipients, n.ack_required)
        },
        units: v
            .units
            .iter()
            .map(|u| (u.unit_name.clone(), u.recipients, u.read, u.acknowledged))
            .collect(),
        number: v.number.unwrap_or_default(),
        attachments: v
            .attachments
            .iter()
            .map(|a| (a.id, a.file_name.clone(), size_text(a.size)))
            .collect(),
    })
}

/// "420 KB", "1,2 MB": a file's size as people read it.
fn size_text(bytes: i64) -> String {
    if bytes < 1_000_000 {
        format!("{} KB", (bytes + 999) / 1_000)
    } else {
        format!("{},{} MB", bytes / 1_000_000, (bytes % 1_000_000) / 100_000)
    }
}

/// A notice's file, for whoever may read the notice.
pub async fn attachment(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (meta, bytes) = service::attachment(&state.app, &identity, parse_id(&id)?, parse_id(&file_id)?).await?;
    let kind =
        lanhmang_domain::activity::EvidenceType::from_content_type(&meta.content_type).ok_or(AppError::NotFound)?;
    super::activities::evidence_response(kind, &meta.file_name, bytes)
}

pub async fn acknowledge(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    service::mark(&state.app, &identity, id, true).await?;
    Ok(Redirect::to(&format!("/van-ban/{id}?tb=da-xac-nhan")).into_response())
}

// ---------------------------------------------------------------------------------------------
// The recipients, for the sender.

/// (name, unit, read at, acknowledged at).
type RecipientLine = (String, String, String, String);

#[derive(Template)]
#[template(path = "notice_recipients.html")]
struct RecipientsPage {
    layout: Layout,
    id: i64,
    number: String,
    title: String,
    ack_required: bool,
    rows: Vec<RecipientLine>,
    pager: Pager,
}

#[derive(Deserialize, Default)]
pub struct RecipientsQuery {
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn recipients(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<RecipientsQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let paging = super::paging(&q.page, &q.per_page)?;
    let (rows, total) = service::recipients(&state.app, &identity, id, paging).await?;
    let v = service::get(&state.app, &identity, id).await?;
    render(&RecipientsPage {
        layout: layout("Người nhận thông báo", &identity, None),
        id,
        title: v.notice.title.clone(),
        ack_required: v.notice.ack_required,
        rows: rows
            .into_iter()
            .map(|r| {
                (
                    r.display_name,
                    r.unit_name,
                    r.read_at.map(date_time).unwrap_or_default(),
                    r.acknowledged_at.map(date_time).unwrap_or_default(),
                )
            })
            .collect(),
        pager: Pager::new(&format!("/van-ban/{id}/nguoi-nhan"), &[], paging, total),
        number: v
            .number
            .map(|n| format!("Thông báo số {n}"))
            .unwrap_or_else(|| v.notice.title.clone()),
    })
}

// ---------------------------------------------------------------------------------------------
// To families where they are: slips on paper and the contact book's file.

#[derive(Deserialize, Default)]
pub struct SlipsQuery {
    lop: Option<String>,
    so: Option<String>,
}

/// Slips for a class's families: two to an A4 page, with the QR code to read it online.
pub async fn slips(
    State(state): State<AppState>,
    identity: Identity,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<SlipsQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let copies = match q.so.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 2,
        Some(raw) => raw
            .parse::<usize>()
            .map_err(|_| AppError::BadRequest("Số phiếu (so) phải là một số.".into()))?,
    };
    let class = q.lop.unwrap_or_default();
    let url = super::absolute_url(&state, &headers, &format!("/van-ban/{id}"));
    let slips = service::slips(&state.app, &identity, id, &class, copies, url).await?;
    let name = if class.trim().is_empty() {
        format!("Phiếu thông báo - {}.pdf", slips.title)
    } else {
        format!("Phiếu thông báo lớp {} - {}.pdf", class.trim(), slips.title)
    };
    let bytes = super::documents::lay_out(move || lanhmang_export::slips_pdf(&slips)).await?;
    super::documents::attachment(bytes, "application/pdf", &name)
}

/// A field of the contact-book file, quoted when it must be.
fn csv_field(value: &str) -> String {
    // A leading = + - @ would be read as a formula by a spreadsheet: it is kept as text.
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The contact book's file: one text message per class, in the columns the notice's page
/// documents (lop, tin_nhan, so_ky_tu, lien_ket, tieu_de), UTF-8 with a byte-order mark.
pub async fn contact_book(
    State(state): State<AppState>,
    identity: Identity,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let link = super::absolute_url(&state, &headers, &format!("/van-ban/{id}"));
    let lines = service::contact_book(&state.app, &identity, id, &link).await?;
    let mut csv = String::from("\u{feff}lop,tin_nhan,so_ky_tu,lien_ket,tieu_de\r\n");
    for l in &lines {
        let row = [
            csv_field(&l.class_name),
            csv_field(&l.message),
            l.message.chars().count().to_string(),
            csv_field(&l.link),
            csv_field(&l.title),
        ];
        csv.push_str(&row.join(","));
        csv.push_str("\r\n");
    }
    super::documents::attachment(
        csv.into_bytes(),
        "text/csv; charset=utf-8",
        &format!("So lien lac - thong bao {id}.csv"),
    )
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn contact_book_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("4B"), "4B");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
    }
}
