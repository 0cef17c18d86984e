//! Incident cases, from the report to the closing: who may report for which unit, who reads a
//! case's details, who moves it where, what each move tells people, and the public form with
//! its receipt code. The one place these rules live: pages, the API and jobs call here.
//!
//! Reading rules (`details_visible`): a case's reporter and its handler read it; the principal
//! and the office's incident leads over its unit read it; the unit's collaborators read it
//! unless it is restricted. Everyone else who handles the unit's cases sees that it exists (its
//! state and clocks) and nothing of what it says.

mod evidence;
mod links;

pub use evidence::{MAX_CASE_FILES, attach, file, files, may_add_files};
pub use links::{LinkView, link, link_target, links, unlink};

use lanhmang_domain::incident::clock::{Due, Pause, WorkingTime};
use lanhmang_domain::incident::playbook::{Playbook, playbook};
use lanhmang_domain::incident::{
    self as rules, Category, HandlerRole, MoveDetails, Referral, Severity, State, check_move, next_states,
};
use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::{Action, Paging, Role, Target, UnitStatus};
use lanhmang_store::incidents::{
    AddressQuota, CaseChange, Incident, IncidentEvent, IncidentFilter, IncidentScope, IncidentView, NewEvent,
    NewIncident, PublicRefusal,
};
use lanhmang_store::notifications::Outgoing;
use lanhmang_store::people::Person;
use lanhmang_store::{AuditContext, Unit};
use sha2::Digest;
use time::{Date, Duration, OffsetDateTime};

use crate::notifications::{Audience, Message, Told, addressed_about};
use crate::{Actor, App, AppError, Problem, Result};

/// A case as one person may see it: with its details, or only that it exists.
#[derive(Debug, Clone)]
pub struct Shown {
    /// With `details` false, every field that says what happened is empty and the category is
    /// hidden (`category` empty, `category_name` "Hồ sơ hạn chế").
    pub incident: Incident,
    pub details: bool,
}

/// Where one clock stands, for the case page and the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockLine {
    /// Met at this time, on time or late.
    Met { at: OffsetDateTime, on_time: bool },
    /// Running: due then; `overdue` when past.
    Due { at: OffsetDateTime, overdue: bool },
    /// Stopped while the case waits.
    Paused,
    /// The case is settled before this clock mattered.
    NotRunning,
}

/// A case opened by a person who may see it.
pub struct CaseView {
    pub shown: Shown,
    /// The history; notes and replies only with the details.
    pub events: Vec<IncidentEvent>,
    /// Who read this restricted case (only for those who read it themselves).
    pub views: Vec<IncidentView>,
    /// The moves this person may make now.
    pub moves: Vec<State>,
    /// May add notes and replies.
    pub may_note: bool,
    /// May settle, close, reopen and mark spam.
    pub may_lead: bool,
    /// People who may be named handler (for triage), with their role's label.
    pub handlers: Vec<(i64, String)>,
    pub response: ClockLine,
    pub resolution: ClockLine,
    pub playbook: Option<&'static Playbook>,
    pub categories: Vec<Category>,
    /// Linked cases and findings, as this person may know them.
    pub case_links: Vec<LinkView>,
    /// Evidence files (only with the details).
    pub files: Vec<lanhmang_store::incident_attachments::Attachment>,
    /// May add a file now.
    pub may_attach: bool,
}

/// A report from a signed-in person, as typed.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub unit_id: Option<i64>,
    pub category: String,
    pub description: String,
    pub links: Vec<String>,
    /// "dd/mm/yyyy" or "yyyy-mm-dd"; empty when unknown.
    /// None when not given; a given value must be a date.
    pub happened_on: Option<String>,
    pub affected: String,
    pub child_in_danger: bool,
}

/// A report from the public form, as typed.
#[derive(Debug, Clone, Default)]
pub struct PublicReportInput {
    pub category: String,
    pub description: String,
    pub links: Vec<String>,
    /// An e-mail address for replies, only when the reporter asks for them; a given value must
    /// be an address.
    pub contact: Option<String>,
    /// The field people never see and scripts fill in.
    pub honeypot: String,
}

/// What a public reporter keeps.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub code: String,
    pub incident: Incident,
}

/// A move as asked for.
#[derive(Debug, Clone, Default)]
pub struct MoveInput {
    pub to: String,
    pub note: String,
    pub outcome: String,
    pub severity: Option<String>,
    pub category: Option<String>,
    pub handler_id: Option<i64>,
    pub referral: Option<String>,
    pub referral_ref: String,
    /// The version the person saw; a case that moved on since is a conflict.
    pub version: Option<i64>,
}

/// A list filter as typed.
#[derive(Debug, Clone, Default)]
pub struct RawFilter {
    pub unit_id: Option<i64>,
    pub state: Option<String>,
    pub category: Option<String>,
    pub overdue: bool,
    /// "reported" (by me) or "assigned" (to me).
    pub mine: Option<String>,
    pub with_spam: bool,
}

/// What a public reporter reads with the receipt code: never internal notes.
#[derive(Debug, Clone)]
pub struct ReceiptView {
    pub state: State,
    pub unit_name: String,
    pub received_at: OffsetDateTime,
    pub replies: Vec<(OffsetDateTime, String)>,
    pub purged: bool,
}

/// The categories people may choose from.
pub async fn categories(app: &App) -> Result<Vec<Category>> {
    Ok(app.store.incident_categories(false).await?)
}

/// Every category, switched-off ones too: the system administrator's list.
pub async fn all_categories(app: &App, actor: &Actor) -> Result<Vec<Category>> {
    if !actor.may(Action::ManageIncidentCategories, Target::System) {
        return Err(AppError::Forbidden);
    }
    Ok(app.store.incident_categories(true).await?)
}

/// Adds a category (`create`) or changes one; only the system administrator. Every problem is
/// listed; nothing is written when there is one.
pub async fn save_category(app: &App, actor: &Actor, category: Category, create: bool) -> Result<Category> {
    if !actor.may(Action::ManageIncidentCategories, Target::System) {
        return Err(AppError::Forbidden);
    }
    let category = Category {
        code: category.code.trim().to_string(),
        name: category.name.trim().to_string(),
        ..category
    };
    let problems: Vec<Problem> = rules::check_category(&category)
        .into_iter()
        .map(|(field, message)| Problem::at(field, message))
        .collect();
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    app.store
        .save_incident_category(&actor.audit(), &category, create)
        .await?;
    Ok(category)
}

fn category_of<'a>(categories: &'a [Category], code: &str) -> Option<&'a Category> {
    categories.iter().find(|c| c.code == code.trim())
}

/// Checks the parts a signed-in report and a public one share; every problem is listed.
fn check_text(description: &str, links: &[String], problems: &mut Vec<Problem>) -> (String, Vec<String>) {
    let description = description.trim().to_string();
    let chars = description.chars().count();
    if chars < rules::MIN_DESCRIPTION {
        problems.push(Problem::at(
            "description",
            format!(
                "Hãy kể lại việc đã xảy ra (ít nhất {} chữ cái).",
                rules::MIN_DESCRIPTION
            ),
        ));
    } else if chars > rules::MAX_DESCRIPTION {
        problems.push(Problem::at(
            "description",
            format!("Nội dung dài quá {} ký tự; hãy viết ngắn lại.", rules::MAX_DESCRIPTION),
        ));
    }
    if links.len() > rules::MAX_LINKS {
        problems.push(Problem::at(
            "links",
            format!("Gửi tối đa {} đường liên kết.", rules::MAX_LINKS),
        ));
    }
    let given = links.iter().map(|l| l.trim()).filter(|l| !l.is_empty());
    let mut kept = Vec::new();
    for l in given.take(rules::MAX_LINKS) {
        match lanhmang_domain::activity::parse_evidence_link(l) {
            Ok(url) => kept.push(url),
            Err(e) => problems.push(Problem::at("links", e.to_string())),
        }
    }
    (description, kept)
}

/// The clocks' due times for a case received (or reopened) at `start` with these pauses.
async fn due_times(
    app: &App,
    severity: Severity,
    received: OffsetDateTime,
    resolution_start: OffsetDateTime,
    pauses: &[Pause],
) -> Result<(Option<OffsetDateTime>, Option<OffsetDateTime>)> {
    let wt = &working_time(app).await?;
    let clocks = severity.clocks(wt);
    let at = |d: Due| match d {
        Due::At(t) => Some(t),
        Due::Paused { .. } => None,
    };
    Ok((
        at(rules::clock::due(received, clocks.response, clocks.basis, pauses, wt)),
        at(rules::clock::due(
            resolution_start,
            clocks.resolution,
            clocks.basis,
            pauses,
            wt,
        )),
    ))
}

/// The working time the clocks count: the one the system administrator saved, or the built-in
/// default until then.
pub async fn working_time(app: &App) -> Result<WorkingTime> {
    Ok(match app.store.incident_working_time().await? {
        Some(saved) => saved.working_time,
        None => app.settings.working_time.clone(),
    })
}

/// The working time as the settings form and the API send it.
#[derive(Debug, Clone, Default)]
pub struct WorkingTimeInput {
    pub day_start: String,
    pub day_end: String,
    /// ISO weekday numbers: 1 = Monday … 7 = Sunday.
    pub weekdays: Vec<u8>,
    /// Days off as people type them (see `WorkingTime::parse_holidays`).
    pub holidays: String,
}

/// The working time with when it was last saved (none: the built-in default is in use); for
/// anyone who reports or handles cases, since the due times they see follow it.
pub async fn working_time_settings(app: &App, actor: &Actor) -> Result<(WorkingTime, Option<OffsetDateTime>)> {
    if !lanhmang_domain::permission::can_somewhere(&actor.permissions, Action::ReportIncidents)
        && !actor.may(Action::ManageIncidentCategories, Target::System)
    {
        return Err(AppError::Forbidden);
    }
    Ok(match app.store.incident_working_time().await? {
        Some(saved) => (saved.working_time, Some(saved.updated_at)),
        None => (app.settings.working_time.clone(), None),
    })
}

/// Saves the sector's working time; only the system administrator. Every problem is listed and
/// nothing is written when there is one. Cases keep the due times they have until their clock
/// next changes.
pub async fn save_working_time(app: &App, actor: &Actor, input: WorkingTimeInput) -> Result<WorkingTime> {
    if !actor.may(Action::ManageIncidentCategories, Target::System) {
        return Err(AppError::Forbidden);
    }
    let wt = rules::clock::parse_working_time(&input.day_start, &input.day_end, &input.weekdays, &input.holidays)
        .map_err(|problems| {
            AppError::Invalid(
                problems
                    .into_iter()
                    .map(|(field, message)| Problem::at(field, message))
                    .collect(),
            )
        })?;
    app.store.save_incident_working_time(&actor.audit(), &wt).await?;
    Ok(wt)
}

/// The people alerted about a new case at `unit`: its principals and the incident leads of the
/// units above it (restricted and urgent cases), or also its collaborators (other cases).
async fn alert_audience(app: &App, unit: &Unit, restricted: bool) -> Result<Vec<Person>> {
    let mut people = app
        .store
        .enabled_people_with_role_in(Role::Principal, &[unit.id])
        .await?;
    if !restricted {
        for p in app
            .store
            .enabled_people_with_role_in(Role::Collaborator, &[unit.id])
            .await?
        {
            if !people.iter().any(|q| q.id == p.id) {
                people.push(p);
            }
        }
    }
    for p in app
        .store
        .enabled_people_with_role_in(Role::IncidentLead, &unit.ancestry)
        .await?
    {
        if !people.iter().any(|q| q.id == p.id) {
            people.push(p);
        }
    }
    Ok(people)
}

/// What a new case tells its handlers. Mail goes only for urgent cases (a child may be in
/// danger); every handler gets the in-app notice. Neither carries what the report says: mail
/// leaves the system, and the notice list is not the audited case page.
async fn new_case_outgoing(
    app: &App,
    unit: &Unit,
    category: &Category,
    severity: Severity,
    restricted: bool,
    incident_id_hint: &str,
) -> Result<(Outgoing, Told)> {
    let people = alert_audience(app, unit, restricted || severity == Severity::Urgent).await?;
    let what = if restricted {
        "một hồ sơ hạn chế".to_string()
    } else {
        format!("một phản ánh mới (loại: {})", category.name)
    };
    let (subject, body) = if severity == Severity::Urgent {
        (
            format!("KHẨN: {} có sự cố cần xử lý ngay", unit.name),
            format!(
                "{} vừa nhận {what}, mức khẩn cấp. Hãy mở hồ sơ ngay. Nếu trẻ em đang gặp nguy hiểm: \
                 gọi Tổng đài quốc gia bảo vệ trẻ em 111 hoặc Công an (113), báo hiệu trưởng, \
                 không sao chép hay chuyển tiếp hình ảnh.",
                unit.name
            ),
        )
    } else {
        (
            format!("{}: có phản ánh mới", unit.name),
            format!("{} vừa nhận {what}. Hãy mở hồ sơ để phân loại và xử lý.", unit.name),
        )
    };
    let message = Message {
        kind: if severity == Severity::Urgent {
            "incident_urgent"
        } else {
            "incident_new"
        },
        subject,
        body,
        link: "/su-co".to_string(),
        dedup: Some(format!("incident:{incident_id_hint}")),
    };
    let (mut out, told) = addressed_about(app, None, unit.id, &message, people, Audience::IncidentHandlers);
    if severity != Severity::Urgent {
        out.mails.clear();
    }
    Ok((out, told))
}

/// A unit someone may report for: the unit must exist, be open and be in their scope.
async fn unit_for_report(
    app: &App,
    actor: &Actor,
    unit_id: Option<i64>,
    problems: &mut Vec<Problem>,
) -> Result<Option<Unit>> {
    let Some(id) = unit_id.filter(|id| *id > 0) else {
        problems.push(Problem::at(
            "unit_id",
            "Hãy chọn trường hoặc đơn vị nơi xảy ra sự việc.",
        ));
        return Ok(None);
    };
    let unit = app.store.unit(id).await?.ok_or(AppError::NotFound)?;
    let target = Target::Unit(&unit.ancestry);
    if !actor.may(Action::ReportIncidents, target) {
        return Err(if actor.may(Action::ViewUnit, target) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    if unit.status == UnitStatus::Closed {
        problems.push(Problem::at("unit_id", "Đơn vị này đã đóng; hãy chọn đơn vị khác."));
        return Ok(None);
    }
    Ok(Some(unit))
}

/// The units a person may report for (what the form offers): the open units of their scope, the
/// first 300 in tree order (a person reports for their own school; an office types the rest by
/// number through the API).
pub async fn units_for_report(app: &App, actor: &Actor) -> Result<Vec<Unit>> {
    let roots = scope_roots(&actor.permissions, Action::ReportIncidents);
    let filter = lanhmang_store::units::UnitFilter {
        status: Some(UnitStatus::Active),
        ..Default::default()
    };
    let paging = Paging { page: 1, per_page: 300 };
    Ok(app.store.list_units(&roots, &filter, paging).await?.0)
}

/// The units whose cases a person handles (at most ten, for the public form's links a school
/// puts on its website).
pub async fn handled_units(app: &App, actor: &Actor) -> Result<Vec<Unit>> {
    let mut roots = scope_roots(&actor.permissions, Action::HandleIncidents);
    roots.truncate(10);
    Ok(app.store.units_by_ids(&roots).await?)
}

/// Records a report from a signed-in person.
pub async fn report(app: &App, actor: &Actor, input: ReportInput) -> Result<(Incident, Told)> {
    let mut problems = Vec::new();
    let unit = unit_for_report(app, actor, input.unit_id, &mut problems).await?;
    let categories = categories(app).await?;
    let category = category_of(&categories, &input.category).cloned();
    if category.is_none() {
        problems.push(Problem::at("category", "Hãy chọn loại sự việc trong danh sách."));
    }
    let (description, links) = check_text(&input.description, &input.links, &mut problems);
    let happened_on = match input.happened_on.as_deref().map(str::trim) {
        None => None,
        Some(raw) => match lanhmang_domain::plan::parse_date(raw).ok() {
            Some(d) if d <= today() => Some(d),
            Some(_) => {
                problems.push(Problem::at("happened_on", "Ngày xảy ra không thể ở tương lai."));
                None
            }
            None => {
                problems.push(Problem::at(
                    "happened_on",
                    "Ngày xảy ra không hợp lệ; hãy ghi theo dạng ngày/tháng/năm, ví dụ 05/12/2026.",
                ));
                None
            }
        },
    };
    let affected = match rules::parse_affected(&input.affected) {
        Ok(a) => a,
        Err(e) => {
            problems.push(Problem::at("affected", e.to_string()));
            None
        }
    };
    let (Some(unit), Some(category)) = (unit, category) else {
        return Err(AppError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let names_pupil = affected.as_ref().is_some_and(|a| a.names_pupil);
    let restricted = rules::is_restricted(category.restricted, names_pupil);
    let severity = rules::initial_severity(category.urgent, input.child_in_danger);
    let received = lanhmang_store::now();
    let (response_due_at, resolution_due_at) = due_times(app, severity, received, received, &[]).await?;
    let new = NewIncident {
        unit_id: unit.id,
        category: category.code.clone(),
        severity,
        restricted,
        public: false,
        description,
        links,
        happened_on,
        affected: affected.map(|a| a.text).unwrap_or_default(),
        child_in_danger: input.child_in_danger,
        reporter_id: Some(actor.person.id),
        reporter_contact: String::new(),
        receipt_hash: None,
        received_at: received,
        response_due_at,
        resolution_due_at,
    };
    let hint = format!(
        "{}:{}:{}",
        actor.person.id,
        unit.id,
        lanhmang_store::format_time(received)
    );
    let (outgoing, told) = new_case_outgoing(app, &unit, &category, severity, restricted, &hint).await?;
    match app.store.create_incident(&actor.audit(), &new, None, &outgoing).await? {
        Ok(incident) => Ok((incident, told)),
        // Only public reports are counted per address.
        Err(PublicRefusal::Throttled) => Err(AppError::Conflict("Không ghi được phản ánh.".into())),
    }
}

/// The hash under which a receipt code is stored.
fn receipt_hash(code: &str) -> String {
    hex::encode(sha2::Sha256::digest(code.as_bytes()))
}

/// Records a report from the public form of the unit with `unit_code`; the reporter gets a
/// receipt code. No account, no file, no address stored but a keyed hash for the hourly limit.
pub async fn report_public(app: &App, client_ip: &str, unit_code: &str, input: PublicReportInput) -> Result<Receipt> {
    let unit = app
        .store
        .unit_by_code(unit_code.trim())
        .await?
        .filter(|u| u.status != UnitStatus::Closed)
        .ok_or(AppError::NotFound)?;
    let mut problems = Vec::new();
    if !input.honeypot.trim().is_empty() {
        // People never see this field; whatever filled it is a script.
        return Err(AppError::Invalid(vec![Problem::new(
            "Không gửi được phản ánh. Hãy tải lại trang và gửi lại.",
        )]));
    }
    let categories = categories(app).await?;
    let category = category_of(&categories, &input.category).cloned();
    if category.is_none() {
        problems.push(Problem::at("category", "Hãy chọn em muốn báo việc gì."));
    }
    let (description, links) = check_text(&input.description, &input.links, &mut problems);
    let contact = input.contact.as_deref().map(str::trim).unwrap_or_default().to_string();
    if input.contact.is_some() && !matches!(lanhmang_domain::person::parse_email(&contact), Ok(Some(_))) {
        problems.push(Problem::at(
            "contact",
            "Địa chỉ e-mail chưa đúng; nếu không muốn nhận thư, hãy để trống.",
        ));
    }
    let Some(category) = category else {
        return Err(AppError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let now = lanhmang_store::now();
    let hour_start = now.replace_minute(0).and_then(|t| t.replace_second(0)).unwrap_or(now);
    let address_key = app.store.address_key(client_ip)?;
    let per_hour = app.settings.public_reports_per_hour;
    let limited = || AppError::Limited {
        wait_seconds: (hour_start + Duration::hours(1) - now).whole_seconds().max(1),
        message: "Em đã gửi nhiều phản ánh trong một giờ. Hãy chờ một lát rồi gửi tiếp; nếu việc gấp, \
                  hãy báo ngay thầy cô hoặc gọi Tổng đài 111."
            .into(),
    };
    // A flood is turned away on a read, before it asks for the write lock.
    if app.store.public_reports_this_hour(&address_key, hour_start).await? >= per_hour {
        return Err(limited());
    }
    let restricted = rules::is_restricted(category.restricted, false);
    let severity = rules::initial_severity(category.urgent, false);
    let (response_due_at, resolution_due_at) = due_times(app, severity, now, now, &[]).await?;
    let code = rules::new_receipt_code();
    let new = NewIncident {
        unit_id: unit.id,
        category: category.code.clone(),
        severity,
        restricted,
        public: true,
        description,
        links,
        happened_on: None,
        affected: String::new(),
        child_in_danger: false,
        reporter_id: None,
        reporter_contact: contact,
        receipt_hash: Some(receipt_hash(&code)),
        received_at: now,
        response_due_at,
        resolution_due_at,
    };
    let (outgoing, _) = new_case_outgoing(app, &unit, &category, severity, restricted, &receipt_hash(&code)).await?;
    let ctx = AuditContext {
        actor_id: None,
        actor: "biểu mẫu công khai".into(),
        client_ip: String::new(),
    };
    let quota = AddressQuota {
        address_key,
        hour_start,
        per_hour,
    };
    match app.store.create_incident(&ctx, &new, Some(&quota), &outgoing).await? {
        Ok(incident) => Ok(Receipt { code, incident }),
        Err(PublicRefusal::Throttled) => Err(limited()),
    }
}

/// What a receipt code shows: the state and the replies, never internal notes.
pub async fn receipt(app: &App, code: &str) -> Result<ReceiptView> {
    let code = rules::normalize_receipt_code(code).ok_or(AppError::NotFound)?;
    let incident = app
        .store
        .incident_by_receipt(&receipt_hash(&code))
        .await?
        .ok_or(AppError::NotFound)?;
    let replies = app
        .store
        .incident_events(incident.id)
        .await?
        .into_iter()
        .filter(|e| e.event == "reply")
        .map(|e| (e.at, e.body))
        .collect();
    Ok(ReceiptView {
        state: incident.state,
        unit_name: incident.unit_name,
        received_at: incident.received_at,
        replies,
        purged: incident.purged_at.is_some(),
    })
}

/// Whether `actor` handles the cases of the unit with this ancestry (a collaborator, the
/// principal, an incident lead above it).
fn handles(actor: &Actor, ancestry: &[i64]) -> bool {
    actor.may(Action::HandleIncidents, Target::Unit(ancestry))
}

fn leads(actor: &Actor, ancestry: &[i64]) -> bool {
    actor.may(Action::LeadIncidents, Target::Unit(ancestry))
}

/// The one reading rule (see the module's comment).
pub fn details_visible(actor: &Actor, i: &Incident) -> bool {
    let me = actor.person.id;
    i.reporter_id == Some(me)
        || i.handler_id == Some(me)
        || leads(actor, &i.unit_ancestry)
        || (!i.restricted && handles(actor, &i.unit_ancestry))
}

/// Whether `actor` may know the case exists at all.
fn case_visible(actor: &Actor, i: &Incident) -> bool {
    let me = actor.person.id;
    i.reporter_id == Some(me) || i.handler_id == Some(me) || handles(actor, &i.unit_ancestry)
}

/// The case as `actor` may see it.
pub fn shown(actor: &Actor, mut incident: Incident) -> Shown {
    let details = details_visible(actor, &incident);
    if !details {
        incident.category = String::new();
        incident.category_name = "Hồ sơ hạn chế".into();
        incident.description = String::new();
        incident.links = Vec::new();
        incident.affected = String::new();
        incident.outcome = String::new();
        incident.reporter_contact = String::new();
        incident.referral_ref = String::new();
        incident.happened_on = None;
        incident.child_in_danger = false;
    }
    Shown { incident, details }
}

/// A page of the cases `actor` may see, newest first.
pub async fn list(app: &App, actor: &Actor, raw: &RawFilter, paging: Paging) -> Result<(Vec<Shown>, i64)> {
    let mut problems = Vec::new();
    let state = match raw.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => match State::parse(s) {
            Some(s) => Some(s),
            None => {
                problems.push(Problem::at("state", "Trạng thái không hợp lệ."));
                None
            }
        },
        None => None,
    };
    let category = raw
        .category
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(c) = &category
        && category_of(&app.store.incident_categories(true).await?, c).is_none()
    {
        problems.push(Problem::at("category", "Loại sự việc không hợp lệ."));
    }
    let (reported_by, handled_by) = match raw.mine.as_deref().map(str::trim).unwrap_or("") {
        "" => (None, None),
        "reported" => (Some(actor.person.id), None),
        "assigned" => (None, Some(actor.person.id)),
        _ => {
            problems.push(Problem::at("mine", "Chỉ chọn «reported» hoặc «assigned»."));
            (None, None)
        }
    };
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    if let Some(unit_id) = raw.unit_id {
        let unit = app.store.unit(unit_id).await?.ok_or(AppError::NotFound)?;
        if !actor.may(Action::ViewUnit, Target::Unit(&unit.ancestry)) {
            return Err(AppError::NotFound);
        }
    }
    // A restricted case is filtered by category only for those who read it: anyone else would
    // learn its category from the count.
    let scope = IncidentScope {
        roots: scope_roots(&actor.permissions, Action::HandleIncidents),
        person_id: actor.person.id,
    };
    let filter = IncidentFilter {
        unit_id: raw.unit_id,
        state,
        category,
        overdue_at: raw.overdue.then(lanhmang_store::now),
        reported_by,
        handled_by,
        with_spam: raw.with_spam,
    };
    let (items, total) = app.store.list_incidents(&scope, &filter, paging).await?;
    let leads_somewhere = !scope_roots(&actor.permissions, Action::LeadIncidents).is_empty();
    let category_filtered = filter.category.is_some();
    let mut hidden = 0;
    let mut out = Vec::new();
    for i in items {
        let s = shown(actor, i);
        if category_filtered && !s.details {
            hidden += 1;
            continue;
        }
        out.push(s);
    }
    // Without the right to read every restricted case in scope, a category filter may not count
    // them: the total drops those this page hid (pages further on may still hold some; a
    // category filter is a lead's tool, and leads read every case they list).
    let total = if category_filtered && !leads_somewhere {
        total - hidden
    } else {
        total
    };
    Ok((out, total))
}

/// The pauses of a case from its history: each stay in `waiting`.
fn pauses(events: &[IncidentEvent]) -> Vec<Pause> {
    let mut out: Vec<Pause> = Vec::new();
    for e in events.iter().filter(|e| e.event == "moved") {
        if e.to_state == "waiting" {
            out.push(Pause { from: e.at, to: None });
        } else if e.from_state == "waiting"
            && let Some(open) = out.last_mut()
            && open.to.is_none()
        {
            open.to = Some(e.at);
        }
    }
    out
}

/// When the resolution clock started: the reception, or the last reopening.
fn resolution_start(incident: &Incident, events: &[IncidentEvent]) -> OffsetDateTime {
    events
        .iter()
        .rev()
        .find(|e| e.event == "moved" && (e.from_state == "resolved" || e.from_state == "closed"))
        .map(|e| e.at)
        .unwrap_or(incident.received_at)
}

fn clock_lines(i: &Incident, now: OffsetDateTime) -> (ClockLine, ClockLine) {
    let response = match (i.responded_at, i.response_due_at) {
        (Some(at), due) => ClockLine::Met {
            at,
            on_time: due.is_none_or(|d| at <= d),
        },
        (None, Some(due)) => ClockLine::Due {
            at: due,
            overdue: now > due,
        },
        (None, None) if i.state == State::Waiting => ClockLine::Paused,
        (None, None) => ClockLine::NotRunning,
    };
    let resolution = match (i.resolved_at, i.resolution_due_at) {
        (Some(at), due) if !i.state.is_open() => ClockLine::Met {
            at,
            on_time: due.is_none_or(|d| at <= d),
        },
        (_, Some(due)) if i.state.is_open() => ClockLine::Due {
            at: due,
            overdue: now > due,
        },
        _ if i.state == State::Waiting => ClockLine::Paused,
        _ => ClockLine::NotRunning,
    };
    (response, resolution)
}

/// Where a case's clocks stand now, for lists.
pub fn clocks_now(i: &Incident) -> (ClockLine, ClockLine) {
    clock_lines(i, lanhmang_store::now())
}

/// A case someone may see, or 404 (existence is not revealed).
async fn visible_case(app: &App, actor: &Actor, id: i64) -> Result<Incident> {
    let incident = app.store.incident(id).await?.ok_or(AppError::NotFound)?;
    if !case_visible(actor, &incident) {
        return Err(AppError::NotFound);
    }
    Ok(incident)
}

/// The people who may be named a case's handler: the unit's principals and collaborators and
/// the incident leads above it.
async fn possible_handlers(app: &App, incident: &Incident) -> Result<Vec<(i64, String)>> {
    let mut out: Vec<(i64, String)> = Vec::new();
    for (role, units) in [
        (Role::Principal, vec![incident.unit_id]),
        (Role::Collaborator, vec![incident.unit_id]),
        (Role::IncidentLead, incident.unit_ancestry.clone()),
    ] {
        for p in app.store.enabled_people_with_role_in(role, &units).await? {
            if !out.iter().any(|(id, _)| *id == p.id) {
                out.push((p.id, format!("{} ({})", p.display_name, role.label())));
            }
        }
    }
    Ok(out)
}

/// The unit of a case its handler may print a letter for (the letterhead's names).
pub async fn open_case_unit(app: &App, actor: &Actor, id: i64) -> Result<Unit> {
    let (incident, _) = case_for_handling(app, actor, id).await?;
    app.store.unit(incident.unit_id).await?.ok_or(AppError::NotFound)
}

/// What the school or office puts on a referral letter besides the case.
#[derive(Debug, Clone)]
pub struct LetterHeading {
    /// "05/PC-THAB", already checked at the edge; a blank leaves the form's gap.
    pub number: String,
    /// The place name of the date line.
    pub place: String,
    /// The unit above the case's unit, printed above it.
    pub parent_authority: String,
}

/// A referral letter in the form of Decree 30 (a "phiếu chuyển") to the body the case was
/// referred to, with only what that body needs: what happened, when, where to see it, the pupil
/// as class and initials, what has been done, and whom to contact. Never who reported it, the
/// internal notes, nor who read the case. Only the case's handlers and leads get it, and for a
/// restricted case getting it is recorded like opening it.
pub async fn referral_letter(
    app: &App,
    actor: &Actor,
    id: i64,
    heading: LetterHeading,
) -> Result<lanhmang_export::OfficialDocument> {
    use lanhmang_export::{Letterhead, OfficialDocument, Section, Signature};
    let (incident, _) = case_for_handling(app, actor, id).await?;
    let Some(referral) = incident.referral else {
        return Err(AppError::Conflict(
            "Hồ sơ chưa chuyển cơ quan nào; hãy chọn bước «Chuyển cơ quan chức năng» trước khi in phiếu chuyển.".into(),
        ));
    };
    if incident.restricted {
        app.store.record_incident_view(incident.id, actor.person.id).await?;
    }
    let unit = app.store.unit(incident.unit_id).await?.ok_or(AppError::NotFound)?;
    let mut facts = vec![
        format!("Loại sự việc: {}.", incident.category_name),
        format!(
            "Thời điểm: {}; nhà trường nhận phản ánh lúc {}.",
            incident
                .happened_on
                .map(lanhmang_domain::text::date_text)
                .map(|d| format!("xảy ra ngày {d}"))
                .unwrap_or_else(|| "chưa rõ ngày xảy ra".to_string()),
            vietnam_time_text(incident.received_at)
        ),
    ];
    if !incident.affected.is_empty() {
        facts.push(format!(
            "Người bị ảnh hưởng: {} (chỉ ghi lớp và chữ cái đầu của tên).",
            incident.affected
        ));
    }
    facts.push(format!("Nội dung: {}", incident.description));
    let links = if incident.links.is_empty() {
        vec!["Không có đường liên kết kèm theo.".to_string()]
    } else {
        incident.links.clone()
    };
    let mut done = vec![format!(
        "Hồ sơ số {} đang ở bước «{}».",
        incident.id,
        incident.state.label()
    )];
    if !incident.outcome.trim().is_empty() {
        done.push(incident.outcome.trim().to_string());
    }
    // Whom the body calls back: the case's handler, or whoever prints the letter.
    let handler = match incident.handler_id {
        Some(id) => app.store.person(id).await?,
        None => None,
    }
    .unwrap_or_else(|| actor.person.clone());
    let mut contact = format!("{}, {}", handler.display_name, unit.name);
    if let Some(phone) = handler.phone.as_deref().filter(|p| !p.is_empty()) {
        contact.push_str(&format!(", điện thoại {phone}"));
    }
    if let Some(email) = handler.email.as_deref().filter(|e| !e.is_empty()) {
        contact.push_str(&format!(", e-mail {email}"));
    }
    let recipient = referral.label();
    let body = |heading: &str, paragraphs: Vec<String>| Section {
        heading: heading.into(),
        paragraphs,
        table: None,
    };
    Ok(OfficialDocument {
        letterhead: Letterhead {
            parent_authority: heading.parent_authority,
            issuing_unit: unit.name.clone(),
            number: heading.number,
            place: heading.place,
            date: today(),
        },
        kind_title: "Phiếu chuyển".into(),
        subtitle: format!("Thông tin vụ việc đề nghị {recipient} phối hợp xử lý"),
        intro: vec![
            format!("Kính gửi: {recipient}."),
            format!(
                "{} chuyển đến {recipient} thông tin về vụ việc dưới đây để xem xét, xử lý theo thẩm quyền{}.",
                unit.name,
                if incident.referral_ref.trim().is_empty() {
                    String::new()
                } else {
                    format!(" (số tiếp nhận: {})", incident.referral_ref.trim())
                }
            ),
        ],
        sections: vec![
            body("1. Vụ việc", facts),
            body("2. Nơi xem nội dung trên mạng", links),
            body("3. Việc đơn vị đã làm", done),
            body("4. Người liên hệ", vec![format!("{contact}.")]),
        ],
        recipients: vec![format!("{recipient};"), "Lưu: VT, hồ sơ vụ việc".into()],
        signature: Signature {
            on_behalf: None,
            title: if unit.kind == lanhmang_domain::UnitKind::School {
                "Hiệu trưởng".into()
            } else {
                "Thủ trưởng đơn vị".into()
            },
            signer: String::new(),
        },
    })
}

/// Opens a case. Reading a restricted case's details is recorded (the one read that writes:
/// safeguarding asks that every such reading be known).
pub async fn open_case(app: &App, actor: &Actor, id: i64) -> Result<CaseView> {
    let incident = visible_case(app, actor, id).await?;
    let shown = shown(actor, incident);
    let i = &shown.incident;
    if shown.details && i.restricted && i.purged_at.is_none() {
        app.store.record_incident_view(i.id, actor.person.id).await?;
    }
    let mut events = app.store.incident_events(i.id).await?;
    if !shown.details {
        events.retain(|e| e.event == "created" || e.event == "moved");
        for e in &mut events {
            e.body = String::new();
        }
    }
    let views = if shown.details && i.restricted {
        app.store.incident_views(i.id).await?
    } else {
        Vec::new()
    };
    let role = handler_role(actor, i);
    let moves = match role {
        Some(role) if shown.details && i.purged_at.is_none() && !i.spam => next_states(i.state)
            .iter()
            .copied()
            .filter(|to| {
                // What the person may make, ignoring what the move must carry.
                let details = MoveDetails {
                    note: "x",
                    outcome: "x",
                    referral: Some(Referral::Other),
                };
                check_move(i.state, *to, role, &details).is_ok()
            })
            .collect(),
        _ => Vec::new(),
    };
    let handlers = if role.is_some() && shown.details {
        possible_handlers(app, i).await?
    } else {
        Vec::new()
    };
    let (response, resolution) = clocks_now(i);
    let playbook = if shown.details { playbook(&i.category) } else { None };
    Ok(CaseView {
        may_note: role.is_some() && shown.details && i.purged_at.is_none(),
        may_lead: role == Some(HandlerRole::Lead),
        moves,
        handlers,
        events,
        views,
        response,
        resolution,
        playbook,
        categories: categories(app).await?,
        case_links: links::link_views(app, actor, i).await?,
        files: if shown.details {
            app.store.incident_attachments(i.id).await?
        } else {
            Vec::new()
        },
        may_attach: shown.details && evidence::may_attach(actor, i),
        shown,
    })
}

/// How `actor` handles this case, if at all. A restricted case is handled only by those who
/// read it.
fn handler_role(actor: &Actor, i: &Incident) -> Option<HandlerRole> {
    if leads(actor, &i.unit_ancestry) {
        Some(HandlerRole::Lead)
    } else if handles(actor, &i.unit_ancestry) && (!i.restricted || i.handler_id == Some(actor.person.id)) {
        Some(HandlerRole::Collaborator)
    } else {
        None
    }
}

/// A case `actor` may act on as a handler: 404 when they may not see it, 403 when they see it
/// but do not handle it.
async fn case_for_handling(app: &App, actor: &Actor, id: i64) -> Result<(Incident, HandlerRole)> {
    let incident = visible_case(app, actor, id).await?;
    match handler_role(actor, &incident) {
        Some(role) if incident.purged_at.is_none() => Ok((incident, role)),
        Some(_) => Err(AppError::Conflict(
            "Hồ sơ đã hết thời hạn lưu và đã được xóa nội dung; không thể thay đổi.".into(),
        )),
        None => Err(AppError::Forbidden),
    }
}

fn check_version(incident: &Incident, version: Option<i64>) -> Result<()> {
    match version {
        Some(v) if v != incident.version => Err(AppError::Conflict(
            "Hồ sơ vừa được người khác cập nhật; hãy tải lại trang và làm lại.".into(),
        )),
        _ => Ok(()),
    }
}

/// Moves a case: checks the move, fills what it changes (triage sets the severity, the
/// category and the handler; the clocks follow), writes it with its history and audit entry.
pub async fn move_case(app: &App, actor: &Actor, id: i64, input: MoveInput) -> Result<Incident> {
    let (incident, role) = case_for_handling(app, actor, id).await?;
    check_version(&incident, input.version)?;
    if incident.spam {
        return Err(AppError::Conflict("Hồ sơ đã được đánh dấu là tin rác.".into()));
    }
    let mut problems = Vec::new();
    let to = match State::parse(&input.to) {
        Some(s) => Some(s),
        None => {
            problems.push(Problem::at("to", "Hãy chọn bước chuyển hợp lệ."));
            None
        }
    };
    let referral = match input.referral.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => match Referral::parse(raw) {
            Some(r) => Some(r),
            None => {
                problems.push(Problem::at("referral", "Cơ quan được chuyển đến không hợp lệ."));
                None
            }
        },
        None => None,
    };
    let severity = match input.severity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => match Severity::parse(raw) {
            Some(s) => Some(s),
            None => {
                problems.push(Problem::at("severity", "Mức độ không hợp lệ."));
                None
            }
        },
        None => None,
    };
    let categories = app.store.incident_categories(false).await?;
    let category = match input.category.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => match category_of(&categories, code) {
            Some(c) => Some(c.clone()),
            None => {
                problems.push(Problem::at("category", "Loại sự việc không hợp lệ."));
                None
            }
        },
        None => None,
    };
    for (field, text, max) in [
        ("note", &input.note, rules::MAX_NOTE),
        ("outcome", &input.outcome, rules::MAX_NOTE),
        ("referral_ref", &input.referral_ref, 200),
    ] {
        if text.chars().count() > max {
            problems.push(Problem::at(field, format!("Nội dung dài quá {max} ký tự.")));
        }
    }
    let handler_id = match input.handler_id {
        Some(hid) => {
            if possible_handlers(app, &incident)
                .await?
                .iter()
                .any(|(id, _)| *id == hid)
            {
                Some(hid)
            } else {
                problems.push(Problem::at(
                    "handler_id",
                    "Người được giao phải là hiệu trưởng, cộng tác viên của đơn vị hoặc đầu mối xử lý sự cố cấp trên.",
                ));
                None
            }
        }
        None => None,
    };
    let Some(to) = to else {
        return Err(AppError::Invalid(problems));
    };
    let details = MoveDetails {
        note: &input.note,
        outcome: &input.outcome,
        referral,
    };
    if let Err(e) = check_move(incident.state, to, role, &details) {
        problems.push(Problem::at(
            match e {
                rules::TransitionError::OutcomeRequired => "outcome",
                rules::TransitionError::ReferralRequired => "referral",
                rules::TransitionError::ReasonRequired | rules::TransitionError::WaitingOnRequired => "note",
                _ => "to",
            },
            e.to_string(),
        ));
    }
    if let Some(c) = &category
        && c.code != incident.category
        && !incident.category.is_empty()
        && role != HandlerRole::Lead
        && to != State::Triaged
    {
        problems.push(Problem::at("category", "Chỉ đổi loại sự việc khi phân loại hồ sơ."));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let now = lanhmang_store::now();
    let mut change = CaseChange::from_case(&incident);
    change.state = to;
    if to == State::Triaged {
        change.handler_id = handler_id.or(incident.handler_id).or(Some(actor.person.id));
    } else if let Some(h) = handler_id {
        change.handler_id = Some(h);
    }
    if let Some(c) = &category {
        change.category = c.code.clone();
        // A category that is restricted or urgent by rule keeps the case so: no one can make an
        // exploitation case readable to all, nor less than urgent.
        change.restricted = incident.restricted || c.restricted;
        if c.urgent {
            change.severity = Severity::Urgent;
        }
    }
    if let Some(s) = severity
        && !(change.severity == Severity::Urgent
            && (incident.child_in_danger || category.as_ref().is_some_and(|c| c.urgent)))
    {
        change.severity = s;
    }
    if change.responded_at.is_none() {
        change.responded_at = Some(now);
    }
    let reopening = !incident.state.is_open() && to.is_open();
    match to {
        State::Resolved => {
            change.outcome = input.outcome.trim().to_string();
            change.resolved_at = Some(now);
        }
        State::Closed => change.closed_at = Some(now),
        State::Referred => {
            change.referral = referral;
            change.referral_ref = input.referral_ref.trim().to_string();
        }
        _ => {}
    }
    if reopening {
        change.resolved_at = None;
        change.closed_at = None;
    }
    // The clocks, from the history plus this move.
    let mut events = app.store.incident_events(incident.id).await?;
    events.push(IncidentEvent {
        id: i64::MAX,
        at: now,
        actor_person_id: Some(actor.person.id),
        actor: actor.person.username.clone(),
        event: "moved".into(),
        from_state: incident.state.as_str().into(),
        to_state: to.as_str().into(),
        body: String::new(),
    });
    let (response_due, resolution_due) = due_times(
        app,
        change.severity,
        incident.received_at,
        resolution_start(&incident, &events),
        &pauses(&events),
    )
    .await?;
    change.response_due_at = if incident.responded_at.is_some() {
        incident.response_due_at
    } else {
        response_due.or(incident.response_due_at)
    };
    change.resolution_due_at = if to.is_open() {
        resolution_due
    } else {
        incident.resolution_due_at
    };
    let body = match to {
        State::Resolved => input.outcome.trim().to_string(),
        State::Referred => format!(
            "{}{}{}",
            referral.map(Referral::label).unwrap_or_default(),
            if input.referral_ref.trim().is_empty() {
                String::new()
            } else {
                format!(" (số: {})", input.referral_ref.trim())
            },
            if input.note.trim().is_empty() {
                String::new()
            } else {
                format!(". {}", input.note.trim())
            }
        ),
        _ => input.note.trim().to_string(),
    };
    let event = NewEvent {
        event: "moved",
        from_state: incident.state,
        to_state: to,
        body,
    };
    let outgoing = assignment_outgoing(&incident, &change, actor)?;
    Ok(app
        .store
        .change_incident(
            &actor.audit(),
            incident.id,
            incident.version,
            &change,
            &event,
            &outgoing,
        )
        .await?)
}

/// A newly named handler is told (in-app; the case's words stay on the case page).
fn assignment_outgoing(incident: &Incident, change: &CaseChange, actor: &Actor) -> Result<Outgoing> {
    let mut out = Outgoing::default();
    if let Some(h) = change.handler_id
        && change.handler_id != incident.handler_id
        && h != actor.person.id
    {
        let link = format!("/su-co/{}", incident.id);
        out.notifications.push(lanhmang_store::notifications::NewNotification {
            person_id: h,
            unit_id: Some(incident.unit_id),
            kind: "incident_assigned",
            title: format!("Bạn được giao xử lý hồ sơ số {}", incident.id),
            body: format!(
                "{} giao cho bạn hồ sơ số {} của {}. Mở hồ sơ để xem và xử lý.",
                actor.person.display_name, incident.id, incident.unit_name
            ),
            link,
            dedup_key: None,
        });
    }
    Ok(out)
}

/// A note on a case: internal, or a reply the reporter reads (on the receipt page, or signed
/// in). A reply is the first response when none came before.
pub async fn add_note(
    app: &App,
    actor: &Actor,
    id: i64,
    body: &str,
    to_reporter: bool,
    version: Option<i64>,
) -> Result<Incident> {
    let (incident, _) = case_for_handling(app, actor, id).await?;
    if !details_visible(actor, &incident) {
        return Err(AppError::Forbidden);
    }
    check_version(&incident, version)?;
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::Invalid(vec![Problem::at(
            "body",
            "Hãy viết nội dung ghi chú.",
        )]));
    }
    if body.chars().count() > rules::MAX_NOTE {
        return Err(AppError::Invalid(vec![Problem::at(
            "body",
            format!("Nội dung dài quá {} ký tự.", rules::MAX_NOTE),
        )]));
    }
    let mut change = CaseChange::from_case(&incident);
    if to_reporter && change.responded_at.is_none() {
        change.responded_at = Some(lanhmang_store::now());
    }
    let event = NewEvent {
        event: if to_reporter { "reply" } else { "note" },
        from_state: incident.state,
        to_state: incident.state,
        body: body.to_string(),
    };
    let mut outgoing = Outgoing::default();
    if to_reporter
        && let Some(reporter) = incident.reporter_id
        && reporter != actor.person.id
    {
        outgoing
            .notifications
            .push(lanhmang_store::notifications::NewNotification {
                person_id: reporter,
                unit_id: Some(incident.unit_id),
                kind: "incident_reply",
                title: format!("{} đã trả lời phản ánh của bạn", incident.unit_name),
                body: body.chars().take(300).collect(),
                link: format!("/su-co/{}", incident.id),
                dedup_key: None,
            });
    }
    if to_reporter && !incident.reporter_contact.is_empty() {
        outgoing.mails.push(lanhmang_store::outbox::NewMail {
            to_address: incident.reporter_contact.clone(),
            to_name: String::new(),
            subject: format!("{} trả lời phản ánh của bạn", incident.unit_name),
            body: format!(
                "{} đã trả lời phản ánh bạn gửi:\n\n{}\n\nBạn có thể xem trạng thái bằng mã biên nhận tại {}\n\nLành Mạng",
                incident.unit_name,
                body,
                app.settings.links.url("/phan-anh/tra-cuu")
            ),
            reason: "incident_reply",
            plan_id: None,
            unit_id: Some(incident.unit_id),
            dedup_key: None,
        });
    }
    Ok(app
        .store
        .change_incident(
            &actor.audit(),
            incident.id,
            incident.version,
            &change,
            &event,
            &outgoing,
        )
        .await?)
}

/// Marks a public report as spam: it leaves the lists and the figures, closed. Only a lead.
pub async fn mark_spam(app: &App, actor: &Actor, id: i64) -> Result<Incident> {
    let (incident, role) = case_for_handling(app, actor, id).await?;
    if role != HandlerRole::Lead {
        return Err(AppError::Forbidden);
    }
    if !incident.public {
        return Err(AppError::Conflict(
            "Chỉ phản ánh gửi qua biểu mẫu công khai mới đánh dấu là tin rác được.".into(),
        ));
    }
    if incident.spam {
        return Ok(incident);
    }
    let mut change = CaseChange::from_case(&incident);
    change.spam = true;
    change.state = State::Closed;
    change.closed_at = Some(lanhmang_store::now());
    let event = NewEvent {
        event: "spam",
        from_state: incident.state,
        to_state: State::Closed,
        body: String::new(),
    };
    Ok(app
        .store
        .change_incident(
            &actor.audit(),
            incident.id,
            incident.version,
            &change,
            &event,
            &Outgoing::default(),
        )
        .await?)
}

/// Today in Vietnam, for forms.
pub fn today() -> Date {
    lanhmang_domain::report::vietnam_date(lanhmang_store::now())
}

/// Tells people about cases past their due time: the unit's principals first, then the office's
/// incident leads (see `rules::escalation_due`). The message names the case and its unit, never
/// what it says. Returns how many cases were escalated.
pub async fn escalate_overdue(app: &App, now: OffsetDateTime) -> Result<usize> {
    let ctx = AuditContext::system("Lành Mạng (nhắc hồ sơ quá hạn)");
    let mut escalated = 0;
    let wt = working_time(app).await?;
    for incident in app.store.overdue_incidents(now, 500).await? {
        let due = match (
            incident.responded_at,
            incident.response_due_at,
            incident.resolution_due_at,
        ) {
            (None, Some(response), Some(resolution)) => response.min(resolution),
            (None, Some(response), None) => response,
            (_, _, Some(resolution)) => resolution,
            _ => continue,
        };
        let clocks = incident.severity.clocks(&wt);
        let Some(level) = rules::escalation_due(incident.escalation, now - due, clocks.resolution) else {
            continue;
        };
        let Some(unit) = app.store.unit(incident.unit_id).await? else {
            continue;
        };
        let (role, units, audience_text) = if level == 1 {
            (Role::Principal, vec![unit.id], "hiệu trưởng")
        } else {
            (
                Role::IncidentLead,
                unit.ancestry.clone(),
                "đầu mối xử lý sự cố của Phòng/Sở",
            )
        };
        let people = app.store.enabled_people_with_role_in(role, &units).await?;
        let message = Message {
            kind: "incident_overdue",
            subject: format!("Hồ sơ số {} của {} đã quá hạn", incident.id, unit.name),
            body: format!(
                "Hồ sơ sự cố số {} của {} (mức {}) đã quá hạn xử lý từ {}. Xin mở hồ sơ để đôn đốc \
                 người xử lý hoặc giao người khác.",
                incident.id,
                unit.name,
                incident.severity.label().to_lowercase(),
                vietnam_time_text(due),
            ),
            link: format!("/su-co/{}", incident.id),
            dedup: Some(format!("incident_overdue:{}:{level}", incident.id)),
        };
        let (outgoing, told) = addressed_about(app, None, unit.id, &message, people, Audience::IncidentHandlers);
        let mut change = CaseChange::from_case(&incident);
        change.escalation = level;
        let event = NewEvent {
            event: "escalated",
            from_state: incident.state,
            to_state: incident.state,
            body: if told.nobody() {
                format!("Quá hạn; chưa có {audience_text} để báo.")
            } else {
                format!("Quá hạn; {}", told.sentence())
            },
        };
        match app
            .store
            .change_incident(&ctx, incident.id, incident.version, &change, &event, &outgoing)
            .await
        {
            Ok(_) => escalated += 1,
            // Moved by a person meanwhile: the next run looks again.
            Err(lanhmang_store::StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(escalated)
}

/// Empties the details of closed cases past their retention period (see
/// `rules::Retention`), and the reply messages older than the shortest period. Returns how
/// many cases were purged.
pub async fn purge_expired(app: &App, now: OffsetDateTime) -> Result<usize> {
    let retention = app.settings.incident_retention;
    let ctx = AuditContext::system("Lành Mạng (xóa theo thời hạn lưu)");
    let mut purged = 0;
    loop {
        let batch = app
            .store
            .incidents_due_for_purge(
                now - retention.cases,
                now - retention.spam,
                now - retention.public_feedback,
                500,
            )
            .await?;
        for incident in &batch {
            if app.store.purge_incident(&ctx, incident.id).await? {
                purged += 1;
            }
        }
        if batch.len() < 500 {
            break;
        }
    }
    app.store
        .purge_incident_messages(now - retention.public_feedback.min(retention.cases))
        .await?;
    Ok(purged)
}

/// A time as people read it in Vietnam: "05/12/2026 14:30".
pub fn vietnam_time_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(lanhmang_domain::report::VIETNAM);
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        t.day(),
        u8::from(t.month()),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// The collaborator network's coverage as an office sees it (S3.1): who has collaborators,
/// cases per school and category, times against the clocks, overdue cases. Counts only: no
/// case's words. For the office's staff and incident leads, over their subtrees.
pub struct Coverage {
    pub rows: Vec<lanhmang_store::incidents::CoverageRow>,
    pub listed: i64,
    pub totals: lanhmang_store::incidents::CoverageTotals,
    /// Since when "received" and the times count: the school year's start (1 August).
    pub since: Date,
}

pub async fn coverage(
    app: &App,
    actor: &Actor,
    without_collaborator: bool,
    with_overdue: bool,
    paging: Paging,
) -> Result<Coverage> {
    let mut roots = scope_roots(&actor.permissions, Action::ViewIncidentStats);
    if roots.is_empty() {
        return Err(AppError::Forbidden);
    }
    roots.sort_unstable();
    let since = lanhmang_domain::school_year::SchoolYear::containing(today());
    let since = Date::from_calendar_date(since.start_year, time::Month::August, 1).unwrap_or(today());
    let filter = lanhmang_store::incidents::CoverageFilter {
        roots,
        without_collaborator,
        with_overdue,
        since: Some(since.midnight().assume_offset(lanhmang_domain::report::VIETNAM)),
    };
    let (rows, listed, totals) = app
        .store
        .incident_coverage(&filter, lanhmang_store::now(), paging)
        .await?;
    Ok(Coverage {
        rows,
        listed,
        totals,
        since,
    })
}
