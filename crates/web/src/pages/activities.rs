//! The activity log: what staff did for the plan, with its evidence. A list with filters, a
//! month calendar, an Excel export, the form (multipart, because evidence files ride along),
//! the detail page, edit and delete, and evidence downloads.
//!
//! Visibility follows `ViewActivities` on the activity's school; an activity outside someone's
//! scope is a 404, so that its existence is not revealed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use askama::Template;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_domain::activity::{
    AUDIENCE_FIELDS, ActivityInput, ActivityKind, EvidenceType, MAX_EVIDENCE_BYTES, PupilBand, clean_file_name,
};
use lanhmang_domain::permission::{can_somewhere, scope_roots};
use lanhmang_domain::plan::{PlanStatus, parse_date};
use lanhmang_domain::text::fold_vi;
use lanhmang_domain::{Action, Paging, Target, UnitKind, UnitStatus, authorize};
use lanhmang_export::{Cell, Column, ColumnKind, Sheet};
use lanhmang_store::activities::{Activity, ActivityFilter, EvidenceMeta};
use lanhmang_store::plans::{Plan, PlanScope};
use lanhmang_store::{Unit, UnitFilter};
use serde::Deserialize;
use time::{Date, Month};

use super::parse_id;
use super::units::Choice;
use crate::AppState;
use crate::auth::{ClientIp, Identity};
use crate::error::AppError;
use crate::layout::{FieldErrors, FilterBox, Layout, Pager, render};

pub use lanhmang_app::activities::{MAX_EVIDENCE_ITEMS, MAX_FILES, MAX_LINKS};
/// The body an evidence upload may send: four files at the cap, plus the text fields and the
/// multipart framing. A single file over the cap still fits, so that it gets its own message.
pub const UPLOAD_BODY_LIMIT: usize = MAX_FILES * MAX_EVIDENCE_BYTES + 1024 * 1024;
/// A text field of the form; the description, the longest, is 5,000 characters.
const TEXT_FIELD_LIMIT: usize = 64 * 1024;
/// Rows one export may hold: far beyond an office's year, and small enough to build in memory.
const EXPORT_CAP: u32 = 20_000;
/// Activities one calendar month shows.
const CALENDAR_CAP: u32 = 1_000;
/// Titles shown in one calendar day before "+N more".
const DAY_ITEMS: usize = 4;
/// Images larger than this are linked, not previewed: the page must stay light on slow links.
const PREVIEW_MAX_BYTES: i64 = 1_500_000;

const WEEKDAYS_SHORT: [&str; 7] = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"];
const WEEKDAYS: [&str; 7] = [
    "Thứ Hai",
    "Thứ Ba",
    "Thứ Tư",
    "Thứ Năm",
    "Thứ Sáu",
    "Thứ Bảy",
    "Chủ nhật",
];

/// The extractor limit for the upload routes (the global layer sets the smaller one).
pub fn upload_body_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)
}

/// Whether a request is an evidence upload, which gets [`UPLOAD_BODY_LIMIT`] instead of the
/// global body limit (the body-limit and CSRF layers ask before routing).
pub fn takes_uploads(method: &Method, path: &str) -> bool {
    if method != Method::POST {
        return false;
    }
    if path == "/hoat-dong/moi" || path == "/van-ban/moi" {
        return true;
    }
    let numbered = |prefix: &str, suffix: &str| {
        path.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    };
    numbered("/hoat-dong/", "/sua")
        || numbered("/su-co/", "/tep")
        || numbered("/cau-chuyen/", "/anh")
        || numbered("/cau-chuyen/", "/dong-y")
}

use lanhmang_domain::text::date_text as day;

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// 12345 → "12.345", as Vietnamese write numbers.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

pub(crate) fn file_size(bytes: i64) -> String {
    if bytes < 1024 * 1024 {
        format!("{} KB", thousands((bytes + 1023) / 1024))
    } else {
        let tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
        format!("{},{} MB", tenths / 10, tenths % 10)
    }
}

/// `a=1&b=2` from the non-empty pairs, percent-encoded.
fn query_string(params: &[(&str, String)]) -> String {
    params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::format::url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn with_query(path: &str, params: &[(&str, String)]) -> String {
    let q = query_string(params);
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

fn layout(title: impl Into<String>, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, "/hoat-dong");
    layout.notice = notice.and_then(|code| match code {
        "da-ghi" => Some("Đã ghi hoạt động."),
        "da-luu" => Some("Đã lưu thay đổi."),
        "da-xoa" => Some("Đã xóa hoạt động."),
        _ => None,
    });
    layout
}

fn unprocessable(mut response: Response) -> Response {
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

fn kind_choices(selected: Option<ActivityKind>) -> Vec<Choice> {
    ActivityKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.label().to_string(), selected == Some(*k)))
        .collect()
}

fn plan_label(p: &Plan) -> String {
    // The year first: a select cut short on a phone still tells the plans apart.
    format!(
        "Năm học {}: {} ({})",
        p.school_year.label(),
        p.title,
        p.issuing_unit_name
    )
}

/// The units above someone's grants, where the plans that reach them are issued.
async fn grant_ancestors(state: &AppState, identity: &Identity) -> Result<Vec<i64>, AppError> {
    let units = lanhmang_app::plans::grant_units(&state.app, identity).await?;
    let ids: BTreeSet<i64> = units.iter().flat_map(|u| u.ancestry.iter().copied()).collect();
    Ok(ids.into_iter().collect())
}

/// An activity the person may see, with its school; anything else is a 404.
async fn visible_activity(state: &AppState, identity: &Identity, id: i64) -> Result<(Activity, Unit), AppError> {
    let activity = state.store.activity(id).await?.ok_or(AppError::NotFound)?;
    let unit = state.store.unit(activity.unit_id).await?.ok_or(AppError::NotFound)?;
    if !authorize(
        &identity.permissions,
        Action::ViewActivities,
        Target::Unit(&unit.ancestry),
    ) {
        return Err(AppError::NotFound);
    }
    Ok((activity, unit))
}

/// Who may change or delete an activity: whoever logged it (while they still log for that
/// school), the school's principal, and the office staff who review the school.
fn may_edit(identity: &Identity, activity: &Activity, unit: &Unit) -> bool {
    let target = Target::Unit(&unit.ancestry);
    (activity.created_by == Some(identity.person.id) && authorize(&identity.permissions, Action::LogActivities, target))
        || authorize(&identity.permissions, Action::WriteSchoolReport, target)
        || authorize(&identity.permissions, Action::ReviewReports, target)
}

async fn editable_activity(state: &AppState, identity: &Identity, raw_id: &str) -> Result<(Activity, Unit), AppError> {
    let (activity, unit) = visible_activity(state, identity, parse_id(raw_id)?).await?;
    if !may_edit(identity, &activity, &unit) {
        return Err(AppError::Forbidden);
    }
    Ok((activity, unit))
}

// ---------------------------------------------------------------------------------------------
// Filters, shared by the list, the calendar and the export.

#[derive(Deserialize, Default)]
pub struct FilterQuery {
    #[serde(default)]
    ke_hoach: String,
    #[serde(default)]
    don_vi: String,
    #[serde(default)]
    loai: String,
    #[serde(default)]
    tu: String,
    #[serde(default)]
    den: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    thang: String,
    page: Option<String>,
    per_page: Option<String>,
    tb: Option<String>,
}

/// The filter form as shown back.
pub struct FilterView {
    pub action: &'static str,
    pub plans: Vec<Choice>,
    /// Only for people with more than one unit in scope.
    pub units: Option<Vec<Choice>>,
    pub kinds: Vec<Choice>,
    pub from: String,
    pub to: String,
    pub q: String,
    /// Kept by the calendar's filter form.
    pub month: String,
    /// Filters that could not be applied, and why.
    pub problems: Vec<String>,
    pub filter_box: FilterBox,
}

struct Filters {
    roots: Vec<i64>,
    filter: ActivityFilter,
    /// The applied filters, for links that keep them.
    params: Vec<(&'static str, String)>,
    view: FilterView,
}

fn optional_id(raw: &str) -> Option<Result<i64, ()>> {
    let raw = raw.trim();
    if raw.is_empty() {
        None
    } else {
        Some(raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(()))
    }
}

fn optional_date(raw: &str, problems: &mut Vec<String>) -> Option<Date> {
    if raw.trim().is_empty() {
        return None;
    }
    match parse_date(raw) {
        Ok(d) => Some(d),
        Err(_) => {
            problems.push(format!(
                "Ngày «{}» không hợp lệ (dùng dạng 15/10/2026); bộ lọc ngày này được bỏ qua.",
                raw.trim()
            ));
            None
        }
    }
}

async fn filters(
    state: &AppState,
    identity: &Identity,
    q: &FilterQuery,
    action: &'static str,
) -> Result<Filters, AppError> {
    let view_roots = scope_roots(&identity.permissions, Action::ViewActivities);
    let mut problems = Vec::new();
    let mut filter = ActivityFilter::default();
    let mut params: Vec<(&'static str, String)> = Vec::new();

    match optional_id(&q.ke_hoach) {
        Some(Ok(id)) => {
            filter.plan_id = Some(id);
            params.push(("ke_hoach", id.to_string()));
        }
        Some(Err(())) => problems.push("Kế hoạch đã chọn không hợp lệ; bộ lọc kế hoạch được bỏ qua.".into()),
        None => {}
    }

    let mut roots = view_roots.clone();
    let mut chosen_unit = None;
    match optional_id(&q.don_vi) {
        Some(Ok(id)) => match state.store.unit(id).await? {
            Some(u) if authorize(&identity.permissions, Action::ViewActivities, Target::Unit(&u.ancestry)) => {
                // A school's subtree is the school itself; an office's is all its schools.
                roots = vec![u.id];
                chosen_unit = Some(u.id);
                params.push(("don_vi", id.to_string()));
            }
            _ => problems.push("Đơn vị đã chọn không thuộc phạm vi của bạn; bộ lọc đơn vị được bỏ qua.".into()),
        },
        Some(Err(())) => problems.push("Đơn vị đã chọn không hợp lệ; bộ lọc đơn vị được bỏ qua.".into()),
        None => {}
    }

    if !q.loai.trim().is_empty() {
        match ActivityKind::parse(&q.loai) {
            Some(k) => {
                filter.kind = Some(k);
                params.push(("loai", k.as_str().to_string()));
            }
            None => problems.push("Loại hoạt động đã chọn không hợp lệ; bộ lọc loại được bỏ qua.".into()),
        }
    }
    filter.from = optional_date(&q.tu, &mut problems);
    filter.to = optional_date(&q.den, &mut problems);
    if let (Some(a), Some(b)) = (filter.from, filter.to)
        && a > b
    {
        problems.push("Ngày bắt đầu đang sau ngày kết thúc, nên không có hoạt động nào khớp.".into());
    }
    if let Some(d) = filter.from {
        params.push(("tu", iso(d)));
    }
    if let Some(d) = filter.to {
        params.push(("den", iso(d)));
    }
    let search = q.q.trim().to_string();
    if !search.is_empty() {
        filter.query = Some(search.clone());
        params.push(("q", search.clone()));
    }

    // The plans in the select: published ones issued in scope or above one's own units.
    let scope = PlanScope {
        roots: view_roots.clone(),
        ancestors: grant_ancestors(state, identity).await?,
    };
    let (plans, _) = state
        .store
        .list_plans(&scope, Paging { page: 1, per_page: 100 })
        .await?;
    let plans = plans
        .iter()
        .filter(|p| p.status == PlanStatus::Published)
        .map(|p| (p.id.to_string(), plan_label(p), filter.plan_id == Some(p.id)))
        .collect();

    let (units, total) = state
        .store
        .list_units(&view_roots, &UnitFilter::default(), Paging { page: 1, per_page: 500 })
        .await?;
    let units = (total > 1).then(|| {
        let base = units.iter().map(|u| u.ancestry.len()).min().unwrap_or(1);
        units
            .iter()
            .map(|u| {
                let indent = "\u{a0}\u{a0}".repeat(u.ancestry.len().saturating_sub(base));
                let closed = if u.status == UnitStatus::Closed {
                    " (đã đóng)"
                } else {
                    ""
                };
                (
                    u.id.to_string(),
                    format!("{indent}{}{closed}", u.name),
                    chosen_unit == Some(u.id),
                )
            })
            .collect()
    });

    Ok(Filters {
        roots,
        view: FilterView {
            action,
            plans,
            units,
            kinds: kind_choices(filter.kind),
            from: filter.from.map(iso).unwrap_or_else(|| q.tu.trim().to_string()),
            to: filter.to.map(iso).unwrap_or_else(|| q.den.trim().to_string()),
            q: search,
            month: String::new(),
            problems,
            filter_box: FilterBox { active: params.len() },
        },
        filter,
        params,
    })
}

// ---------------------------------------------------------------------------------------------
// The list.

pub struct Row {
    pub id: i64,
    pub date: String,
    pub title: String,
    pub unit_name: String,
    pub kind: &'static str,
    pub people: String,
    pub evidence: i64,
}

impl Row {
    fn from_activity(a: &Activity) -> Row {
        Row {
            id: a.id,
            date: day(a.held_on),
            title: a.title.clone(),
            unit_name: a.unit_name.clone(),
            kind: a.kind.label(),
            people: thousands(i64::try_from(a.audience.total()).unwrap_or(i64::MAX)),
            evidence: a.evidence_count,
        }
    }
}

#[derive(Template)]
#[template(path = "activity_list.html")]
struct ListPage {
    layout: Layout,
    filters: FilterView,
    rows: Vec<Row>,
    pager: Pager,
    can_log: bool,
    calendar_link: String,
    export_link: String,
    filtered: bool,
}

pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let f = filters(&state, &identity, &q, "/hoat-dong").await?;
    let (activities, total) = state.store.list_activities(&f.roots, &f.filter, paging).await?;
    let mut pager_params = f.params.clone();
    pager_params.push(("per_page", q.per_page.clone().unwrap_or_default()));
    render(&ListPage {
        layout: layout("Hoạt động", &identity, q.tb.as_deref()),
        rows: activities.iter().map(Row::from_activity).collect(),
        pager: Pager::new("/hoat-dong", &pager_params, paging, total),
        can_log: can_somewhere(&identity.permissions, Action::LogActivities),
        calendar_link: with_query("/hoat-dong/lich", &f.params),
        export_link: with_query("/hoat-dong/xuat.xlsx", &f.params),
        filtered: !f.params.is_empty(),
        filters: f.view,
    })
}

// ---------------------------------------------------------------------------------------------
// The calendar.

pub struct DayCell {
    pub in_month: bool,
    pub today: bool,
    pub number: u8,
    /// "Thứ Tư, 14/10/2026", what a phone shows above the day's list.
    pub full: String,
    /// (id, title, school name).
    pub items: Vec<(i64, String, String)>,
    pub more: usize,
    pub more_link: String,
}

#[derive(Template)]
#[template(path = "activity_calendar.html")]
struct CalendarPage {
    layout: Layout,
    filters: FilterView,
    month_label: String,
    weekdays: [&'static str; 7],
    weeks: Vec<Vec<DayCell>>,
    prev_link: String,
    next_link: String,
    list_link: String,
    export_link: String,
    total: i64,
    shown: usize,
    truncated: bool,
    /// Whether the school is named beside each title (for people who see several).
    show_units: bool,
    can_log: bool,
}

/// "2026-10" (what `<input type="month">` sends) or "10/2026".
fn parse_month(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    let (year, month) = match raw.split_once(['-', '/']) {
        Some((a, b)) if a.len() == 4 => (a, b),
        Some((a, b)) => (b, a),
        None => return None,
    };
    let year: i32 = year.parse().ok().filter(|y| (2000..=2100).contains(y))?;
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year, month, 1).ok()
}

fn month_param(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

/// The first day of the next month (years are bounded to 2000–2100 by `parse_month` and today).
fn next_month(first: Date) -> Result<Date, AppError> {
    let (year, month) = match first.month() {
        Month::December => (first.year() + 1, Month::January),
        m => (first.year(), m.next()),
    };
    Date::from_calendar_date(year, month, 1).map_err(|e| AppError::Internal(e.to_string()))
}

fn previous_month(first: Date) -> Result<Date, AppError> {
    let (year, month) = match first.month() {
        Month::January => (first.year() - 1, Month::December),
        m => (first.year(), m.previous()),
    };
    Date::from_calendar_date(year, month, 1).map_err(|e| AppError::Internal(e.to_string()))
}

fn following(d: Date) -> Result<Date, AppError> {
    d.next_day()
        .ok_or_else(|| AppError::Internal("calendar past the last date".into()))
}

pub async fn calendar(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AppError> {
    let mut f = filters(&state, &identity, &q, "/hoat-dong/lich").await?;
    let today = lanhmang_app::plans::today();
    let first = if q.thang.trim().is_empty() {
        let base = f.filter.from.unwrap_or(today);
        Date::from_calendar_date(base.year(), base.month(), 1).map_err(|e| AppError::Internal(e.to_string()))?
    } else {
        parse_month(&q.thang).ok_or_else(|| {
            AppError::BadRequest(format!("Tháng «{}» không hợp lệ (dùng dạng 2026-10).", q.thang.trim()))
        })?
    };
    let after = next_month(first)?;
    let last = after.previous_day().unwrap_or(first);
    let mut filter = f.filter.clone();
    filter.from = Some(filter.from.map_or(first, |d| d.max(first)));
    filter.to = Some(filter.to.map_or(last, |d| d.min(last)));
    let (activities, total) = state
        .store
        .list_activities(
            &f.roots,
            &filter,
            Paging {
                page: 1,
                per_page: CALENDAR_CAP,
            },
        )
        .await?;
    let mut by_day: BTreeMap<Date, Vec<(i64, String, String)>> = BTreeMap::new();
    for a in activities.iter().rev() {
        by_day
            .entry(a.held_on)
            .or_default()
            .push((a.id, a.title.clone(), a.unit_name.clone()));
    }
    let offset = i64::from(first.weekday().number_days_from_monday());
    let mut cursor = first
        .checked_sub(time::Duration::days(offset))
        .ok_or_else(|| AppError::Internal("calendar before the first date".into()))?;
    let mut weeks = Vec::new();
    while cursor <= last {
        let mut week = Vec::with_capacity(7);
        for _ in 0..7 {
            let in_month = cursor >= first && cursor <= last;
            let mut items = if in_month {
                by_day.remove(&cursor).unwrap_or_default()
            } else {
                Vec::new()
            };
            let more = items.len().saturating_sub(DAY_ITEMS);
            items.truncate(DAY_ITEMS);
            let mut day_params = f.params.clone();
            day_params.retain(|(k, _)| *k != "tu" && *k != "den");
            day_params.push(("tu", iso(cursor)));
            day_params.push(("den", iso(cursor)));
            week.push(DayCell {
                in_month,
                today: cursor == today,
                number: cursor.day(),
                full: format!(
                    "{}, {}",
                    WEEKDAYS[usize::from(cursor.weekday().number_days_from_monday())],
                    day(cursor)
                ),
                items,
                more,
                more_link: with_query("/hoat-dong", &day_params),
            });
            cursor = following(cursor)?;
        }
        weeks.push(week);
    }
    let month_link = |d: Date| {
        let mut p = f.params.clone();
        p.push(("thang", month_param(d)));
        with_query("/hoat-dong/lich", &p)
    };
    let prev_link = month_link(previous_month(first)?);
    let next_link = month_link(after);
    f.view.month = month_param(first);
    render(&CalendarPage {
        layout: layout("Lịch hoạt động", &identity, q.tb.as_deref()),
        month_label: format!("Tháng {}/{}", u8::from(first.month()), first.year()),
        weekdays: WEEKDAYS_SHORT,
        weeks,
        prev_link,
        next_link,
        list_link: with_query("/hoat-dong", &f.params),
        export_link: with_query("/hoat-dong/xuat.xlsx", &f.params),
        total,
        shown: activities.len(),
        truncated: i64::try_from(activities.len()).unwrap_or(i64::MAX) < total,
        can_log: can_somewhere(&identity.permissions, Action::LogActivities),
        show_units: f.view.units.is_some(),
        filters: f.view,
    })
}

// ---------------------------------------------------------------------------------------------
// The export.

fn col(header: &str, width: f64, kind: ColumnKind) -> Column {
    Column {
        header: header.to_string(),
        width,
        kind,
    }
}

fn tasks_text(a: &Activity) -> String {
    if a.tasks.is_empty() {
        a.kind
            .usual_task()
            .map(|t| format!("{t} (theo loại)"))
            .unwrap_or_default()
    } else {
        a.tasks.join(", ")
    }
}

pub async fn export(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AppError> {
    let f = filters(&state, &identity, &q, "/hoat-dong").await?;
    let (_, total) = state
        .store
        .list_activities(&f.roots, &f.filter, Paging { page: 1, per_page: 1 })
        .await?;
    if total > i64::from(EXPORT_CAP) {
        return Err(AppError::BadRequest(format!(
            "Danh sách có {} hoạt động, vượt quá giới hạn {} dòng cho một lần tải về. \
             Hãy lọc theo kế hoạch, đơn vị hoặc khoảng ngày rồi tải lại.",
            thousands(total),
            thousands(i64::from(EXPORT_CAP))
        )));
    }
    let (activities, _) = state
        .store
        .list_activities(
            &f.roots,
            &f.filter,
            Paging {
                page: 1,
                per_page: EXPORT_CAP,
            },
        )
        .await?;
    let unit_ids: Vec<i64> = activities
        .iter()
        .map(|a| a.unit_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let codes: HashMap<i64, String> = state
        .store
        .units_by_ids(&unit_ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.code))
        .collect();
    let int = |n: u32| Cell::Integer(i64::from(n));
    let mut sums = [0i64; 10];
    let rows: Vec<Vec<Cell>> = activities
        .iter()
        .map(|a| {
            let au = &a.audience;
            let pupils = i64::try_from(au.pupils()).unwrap_or(i64::MAX);
            let numbers = [
                i64::from(au.teachers),
                i64::from(au.staff),
                i64::from(au.pupils_g1_2),
                i64::from(au.pupils_g3_5),
                i64::from(au.pupils_g6_7),
                i64::from(au.pupils_g8_9),
                i64::from(au.pupils_other),
                pupils,
                i64::from(au.parents),
                a.evidence_count,
            ];
            for (s, n) in sums.iter_mut().zip(numbers) {
                *s = s.saturating_add(n);
            }
            vec![
                Cell::Date(a.held_on),
                Cell::Text(codes.get(&a.unit_id).cloned().unwrap_or_default()),
                Cell::Text(a.unit_name.clone()),
                Cell::Text(a.kind.label().to_string()),
                Cell::Text(a.title.clone()),
                Cell::Text(tasks_text(a)),
                int(au.teachers),
                int(au.staff),
                int(au.pupils_g1_2),
                int(au.pupils_g3_5),
                int(au.pupils_g6_7),
                int(au.pupils_g8_9),
                int(au.pupils_other),
                Cell::Integer(pupils),
                int(au.parents),
                Cell::Text(a.partner.clone()),
                Cell::Integer(a.evidence_count),
            ]
        })
        .collect();
    let mut totals = vec![Cell::Text("Tổng cộng".into()), Cell::Empty, Cell::Empty, Cell::Empty];
    totals.push(Cell::Text(format!("{} hoạt động", thousands(total))));
    totals.push(Cell::Empty);
    totals.extend(sums[..9].iter().map(|n| Cell::Integer(*n)));
    totals.push(Cell::Empty);
    totals.push(Cell::Integer(sums[9]));
    let today = lanhmang_app::plans::today();
    let sheet = Sheet {
        name: "Hoạt động".into(),
        title: Some(format!("Nhật ký hoạt động (xuất ngày {})", day(today))),
        columns: vec![
            col("Ngày", 12.0, ColumnKind::Date),
            col("Mã đơn vị", 14.0, ColumnKind::Text),
            col("Đơn vị", 32.0, ColumnKind::Text),
            col("Loại hoạt động", 26.0, ColumnKind::Text),
            col("Tên hoạt động", 48.0, ColumnKind::Text),
            col("Nhiệm vụ", 16.0, ColumnKind::Text),
            col("Giáo viên", 10.0, ColumnKind::Integer),
            col("Cán bộ, nhân viên", 10.0, ColumnKind::Integer),
            col("HS lớp 1–2", 10.0, ColumnKind::Integer),
            col("HS lớp 3–5", 10.0, ColumnKind::Integer),
            col("HS lớp 6–7", 10.0, ColumnKind::Integer),
            col("HS lớp 8–9", 10.0, ColumnKind::Integer),
            col("HS chưa rõ khối", 10.0, ColumnKind::Integer),
            col("Tổng số HS", 10.0, ColumnKind::Integer),
            col("Cha mẹ HS", 10.0, ColumnKind::Integer),
            col("Đơn vị phối hợp", 28.0, ColumnKind::Text),
            col("Số minh chứng", 10.0, ColumnKind::Integer),
        ],
        rows,
        totals: Some(totals),
    };
    // Building a workbook is CPU work: keep it off the async threads.
    let bytes = tokio::task::spawn_blocking(move || lanhmang_export::xlsx(&[sheet]))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let file_name = format!("hoat-dong-{}.xlsx", iso(today));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// The form.

/// What the form holds, as typed.
#[derive(Debug, Clone, Default)]
struct FormInput {
    unit_id: String,
    plan_id: String,
    input: ActivityInput,
    links: Vec<String>,
    remove: Vec<i64>,
}

/// A file as received: its bytes, or only the fact that it was over the cap.
use lanhmang_app::activities::Upload;

pub(crate) fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        // The reader's own words are English and technical: logged, not shown.
        tracing::info!(error = %e.body_text(), "unreadable multipart form");
        AppError::BadRequest(
            "Không đọc được biểu mẫu gửi lên: dữ liệu bị hỏng, hoặc tên tệp có ký tự không dùng được. \
             Hãy đổi tên tệp (chỉ chữ, số, dấu gạch) rồi gửi lại."
                .into(),
        )
    }
}

/// Reads a field, keeping at most `limit` bytes; the rest is read and dropped so that one
/// oversized file does not stop the other fields from arriving.
pub(crate) async fn read_capped(
    field: &mut axum::extract::multipart::Field<'_>,
    limit: usize,
) -> Result<(Vec<u8>, bool), AppError> {
    let mut buf = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if over {
            continue;
        }
        if buf.len() + chunk.len() > limit {
            over = true;
            buf = Vec::new();
        } else {
            buf.extend_from_slice(&chunk);
        }
    }
    Ok((buf, over))
}

/// A multipart form read as its text fields, in order, and the files of `file_field`, each
/// kept up to `max_file` bytes (larger ones are marked, not read whole).
pub(crate) async fn read_fields_and_files(
    multipart: Result<Multipart, MultipartRejection>,
    file_field: &str,
    max_file: usize,
) -> Result<(Vec<(String, String)>, Vec<Upload>), AppError> {
    let mut multipart = multipart.map_err(|_| {
        AppError::BadRequest("Biểu mẫu phải được gửi từ trang của Lành Mạng (kiểu multipart/form-data).".into())
    })?;
    let mut fields = Vec::new();
    let mut uploads = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        if name == file_field {
            let file_name = field.file_name().unwrap_or("").to_string();
            let (bytes, too_large) = read_capped(&mut field, max_file).await?;
            // A file box left empty still sends a part, with no name and no bytes.
            if !(file_name.is_empty() && bytes.is_empty() && !too_large) {
                uploads.push(Upload {
                    name: file_name,
                    bytes,
                    too_large,
                });
            }
            continue;
        }
        let (bytes, over) = read_capped(&mut field, TEXT_FIELD_LIMIT).await?;
        if over {
            return Err(AppError::BadRequest(format!("Ô «{name}» của biểu mẫu quá dài.")));
        }
        fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
    }
    Ok((fields, uploads))
}

async fn read_form(multipart: Result<Multipart, MultipartRejection>) -> Result<(FormInput, Vec<Upload>), AppError> {
    let mut multipart = multipart.map_err(|_| {
        AppError::BadRequest("Biểu mẫu phải được gửi từ trang ghi hoạt động (kiểu multipart/form-data).".into())
    })?;
    let mut form = FormInput::default();
    let mut uploads = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let (bytes, too_large) = read_capped(&mut field, MAX_EVIDENCE_BYTES).await?;
            // A file box left empty still sends a part, with no name and no bytes.
            if file_name.is_empty() && bytes.is_empty() && !too_large {
                continue;
            }
            // The name as sent: `app` refuses one with a path or control characters, and cleans
            // the rest before it is stored or shown.
            uploads.push(Upload {
                name: file_name,
                bytes,
                too_large,
            });
            continue;
        }
        let (bytes, over) = read_capped(&mut field, TEXT_FIELD_LIMIT).await?;
        if over {
            return Err(AppError::BadRequest(format!("Ô «{name}» của biểu mẫu quá dài.")));
        }
        let value = String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "unit_id" => form.unit_id = value,
            "plan_id" => form.plan_id = value,
            "kind" => form.input.kind = value,
            "tasks" => form.input.tasks.push(value),
            "held_on" => form.input.held_on = value,
            "title" => form.input.title = value,
            "partner" => form.input.partner = value,
            "description" => form.input.description = value,
            "link" => form.links.push(value),
            "remove_evidence" => {
                if let Ok(id) = value.trim().parse() {
                    form.remove.push(id);
                }
            }
            other => {
                if let Some(i) = AUDIENCE_FIELDS.iter().position(|f| *f == other) {
                    form.input.audience[i] = value;
                }
            }
        }
    }
    Ok((form, uploads))
}

/// The schools where someone may log: active schools in the subtrees where they hold
/// `LogActivities`.
async fn loggable_schools(state: &AppState, identity: &Identity) -> Result<Vec<Unit>, AppError> {
    let roots = scope_roots(&identity.permissions, Action::LogActivities);
    let filter = UnitFilter {
        kind: Some(UnitKind::School),
        status: Some(UnitStatus::Active),
        ..Default::default()
    };
    Ok(state
        .store
        .list_units(&roots, &filter, Paging { page: 1, per_page: 500 })
        .await?
        .0)
}

/// A published plan issued above the school.
use lanhmang_app::activities::{pupil_bands, reaches};

pub struct TaskChoice {
    pub code: String,
    pub title: String,
    pub checked: bool,
}

pub struct CountField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
}

pub struct EvidenceView {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub type_label: &'static str,
    pub url: String,
    pub preview: bool,
    pub remove: bool,
}

pub(crate) fn type_label(t: Option<EvidenceType>) -> &'static str {
    match t {
        Some(EvidenceType::Pdf) => "PDF",
        Some(EvidenceType::Png) => "Ảnh PNG",
        Some(EvidenceType::Jpeg) => "Ảnh JPEG",
        Some(EvidenceType::Gif) => "Ảnh GIF",
        Some(EvidenceType::Webp) => "Ảnh WebP",
        Some(EvidenceType::Docx) => "Văn bản Word (DOCX)",
        Some(EvidenceType::Xlsx) => "Bảng tính Excel (XLSX)",
        None => "Tệp",
    }
}

impl EvidenceView {
    fn from_meta(e: &EvidenceMeta, remove: &[i64]) -> EvidenceView {
        let t = EvidenceType::from_content_type(&e.content_type);
        EvidenceView {
            id: e.id,
            name: if e.url.is_empty() {
                e.file_name.clone()
            } else {
                e.url.clone()
            },
            size: file_size(e.size_bytes),
            type_label: type_label(t),
            url: e.url.clone(),
            preview: t.is_some_and(EvidenceType::is_image) && e.size_bytes <= PREVIEW_MAX_BYTES,
            remove: remove.contains(&e.id),
        }
    }
}

const COUNT_LABELS: [&str; 8] = [
    "Giáo viên",
    "Cán bộ, nhân viên",
    "Học sinh lớp 1–2",
    "Học sinh lớp 3–5",
    "Học sinh lớp 6–7",
    "Học sinh lớp 8–9",
    "Học sinh chưa rõ khối lớp",
    "Cha mẹ học sinh",
];

#[derive(Template)]
#[template(path = "activity_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    /// For a new activity: the schools and plans to choose from.
    schools: Vec<Choice>,
    plans: Vec<Choice>,
    /// For an edit: where the activity belongs, which does not change.
    fixed: Option<(String, String)>,
    no_plan: bool,
    kinds: Vec<Choice>,
    tasks: Vec<TaskChoice>,
    /// (kind label, "code title") of the task each kind counts for when none is ticked.
    usual: Vec<(&'static str, String)>,
    held_on: String,
    title: String,
    partner: String,
    description: String,
    counts: Vec<CountField>,
    links: Vec<String>,
    evidence: Vec<EvidenceView>,
    errors: FieldErrors,
    files_dropped: bool,
    max_files: usize,
}

/// Where the form stands: a new activity, or an existing one being edited.
enum Mode<'a> {
    New,
    Edit {
        activity: &'a Activity,
        unit: &'a Unit,
        plan: &'a Plan,
        evidence: &'a [EvidenceMeta],
    },
}

fn date_value(raw: &str) -> String {
    parse_date(raw).map(iso).unwrap_or_else(|_| raw.trim().to_string())
}

async fn form_page(
    state: &AppState,
    identity: &Identity,
    mode: Mode<'_>,
    form: &FormInput,
    errors: FieldErrors,
    files_dropped: bool,
) -> Result<FormPage, AppError> {
    let (heading, action, cancel, schools, plans, fixed, plan, evidence, bands) = match mode {
        Mode::New => {
            let units = loggable_schools(state, identity).await?;
            let selected_unit = form.unit_id.trim().parse::<i64>().ok();
            let only = units.len() == 1;
            // The chosen school's bands; before a choice, those of any school offered.
            let bands: Vec<PupilBand> = match units.iter().find(|u| only || selected_unit == Some(u.id)) {
                Some(u) => pupil_bands(u),
                None if units.is_empty() => PupilBand::ALL.to_vec(),
                None => PupilBand::ALL
                    .into_iter()
                    .filter(|b| units.iter().any(|u| pupil_bands(u).contains(b)))
                    .collect(),
            };
            let schools: Vec<Choice> = units
                .iter()
                .map(|u| (u.id.to_string(), u.name.clone(), only || selected_unit == Some(u.id)))
                .collect();
            // The plans that reach any of these schools; the chosen one is checked on submit.
            let ancestors: BTreeSet<i64> = units.iter().flat_map(|u| u.ancestry.iter().copied()).collect();
            let ancestors: Vec<i64> = ancestors.into_iter().collect();
            let candidates: Vec<Plan> = if ancestors.is_empty() {
                Vec::new()
            } else {
                state
                    .store
                    .plans_for_school(&ancestors)
                    .await?
                    .into_iter()
                    .filter(|p| units.iter().any(|u| reaches(p, u)))
                    .collect()
            };
            let selected_plan = form
                .plan_id
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|id| candidates.iter().position(|p| p.id == id))
                .unwrap_or(0);
            let plans = candidates
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id.to_string(), plan_label(p), i == selected_plan))
                .collect();
            let plan = candidates.into_iter().nth(selected_plan);
            (
                "Ghi hoạt động".to_string(),
                "/hoat-dong/moi".to_string(),
                "/hoat-dong".to_string(),
                schools,
                plans,
                None,
                plan,
                Vec::new(),
                bands,
            )
        }
        Mode::Edit {
            activity,
            unit,
            plan,
            evidence,
        } => (
            format!("Sửa hoạt động: {}", activity.title),
            format!("/hoat-dong/{}/sua", activity.id),
            format!("/hoat-dong/{}", activity.id),
            Vec::new(),
            Vec::new(),
            Some((unit.name.clone(), plan_label(plan))),
            Some(plan.clone()),
            evidence
                .iter()
                .map(|e| EvidenceView::from_meta(e, &form.remove))
                .collect(),
            pupil_bands(unit),
        ),
    };
    let tasks = plan
        .as_ref()
        .map(|p| {
            p.content
                .school_tasks()
                .map(|t| TaskChoice {
                    code: t.code.clone(),
                    title: t.title.clone(),
                    checked: form.input.tasks.iter().any(|c| c.trim() == t.code),
                })
                .collect()
        })
        .unwrap_or_default();
    let usual = ActivityKind::ALL
        .iter()
        .map(|k| {
            let task = match k.usual_task() {
                Some(code) => match plan.as_ref().and_then(|p| p.content.task(code)) {
                    Some(t) => format!("{} {}", t.code, t.title),
                    None => code.to_string(),
                },
                None => "không tính cho nhiệm vụ nào".to_string(),
            };
            (k.label(), task)
        })
        .collect();
    let counts = AUDIENCE_FIELDS
        .iter()
        .enumerate()
        // Pupils without a grade band come only from the API, and a school counts pupils only in
        // its own bands; such a field shows when it holds some, so that its error can be read.
        .filter(|(i, name)| {
            let offered = match PupilBand::from_field(name) {
                Some(b) => bands.contains(&b),
                None => *i != 6,
            };
            offered || !matches!(form.input.audience[*i].trim(), "" | "0")
        })
        .map(|(i, name)| CountField {
            name,
            label: COUNT_LABELS[i],
            value: form.input.audience[i].trim().to_string(),
            error: errors.get(name).map(str::to_string),
        })
        .collect();
    let mut links: Vec<String> = form
        .links
        .iter()
        .map(|l| l.trim().to_string())
        .take(MAX_LINKS)
        .collect();
    links.resize(MAX_LINKS, String::new());
    Ok(FormPage {
        layout: layout(heading.clone(), identity, None),
        heading,
        action,
        cancel,
        no_plan: plan.is_none(),
        schools,
        plans,
        fixed,
        kinds: kind_choices(ActivityKind::parse(&form.input.kind)),
        tasks,
        usual,
        held_on: date_value(&form.input.held_on),
        title: form.input.title.clone(),
        partner: form.input.partner.clone(),
        description: form.input.description.clone(),
        counts,
        links,
        evidence,
        errors,
        files_dropped,
        max_files: MAX_FILES,
    })
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    don_vi: Option<String>,
    ke_hoach: Option<String>,
}

pub async fn new_form(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let form = FormInput {
        unit_id: q.don_vi.unwrap_or_default(),
        plan_id: q.ke_hoach.unwrap_or_default(),
        input: ActivityInput {
            held_on: iso(lanhmang_app::plans::today()),
            ..Default::default()
        },
        ..Default::default()
    };
    render(&form_page(&state, &identity, Mode::New, &form, FieldErrors::default(), false).await?)
}

/// Everything checked: the fields and the evidence to attach.
pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let (form, uploads) = read_form(multipart).await?;
    let had_files = !uploads.is_empty();
    let draft = lanhmang_app::activities::ActivityDraft {
        unit_id: form.unit_id.trim().parse::<i64>().ok(),
        plan_id: form.plan_id.trim().parse::<i64>().ok(),
        input: form.input.clone(),
        links: form.links.clone(),
        uploads,
    };
    let mut errors = FieldErrors::default();
    match lanhmang_app::activities::log_activity(&state.app, &identity, draft).await {
        Ok(activity) => return Ok(Redirect::to(&format!("/hoat-dong/{}?tb=da-ghi", activity.id)).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => errors.add_problems(problems),
        Err(e) => return Err(e.into()),
    }
    let page = form_page(&state, &identity, Mode::New, &form, errors, had_files).await?;
    Ok(unprocessable(render(&page)?))
}

fn form_of(a: &Activity) -> FormInput {
    let au = &a.audience;
    let n = |v: u32| if v == 0 { String::new() } else { v.to_string() };
    FormInput {
        unit_id: a.unit_id.to_string(),
        plan_id: a.plan_id.to_string(),
        input: ActivityInput {
            kind: a.kind.as_str().to_string(),
            tasks: a.tasks.clone(),
            held_on: iso(a.held_on),
            title: a.title.clone(),
            audience: [
                n(au.teachers),
                n(au.staff),
                n(au.pupils_g1_2),
                n(au.pupils_g3_5),
                n(au.pupils_g6_7),
                n(au.pupils_g8_9),
                n(au.pupils_other),
                n(au.parents),
            ],
            partner: a.partner.clone(),
            description: a.description.clone(),
        },
        links: Vec::new(),
        remove: Vec::new(),
    }
}

async fn plan_of(state: &AppState, a: &Activity) -> Result<Plan, AppError> {
    state
        .store
        .plan(a.plan_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("activity {} without its plan", a.id)))
}

pub async fn edit_form(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (activity, unit) = editable_activity(&state, &identity, &id).await?;
    let plan = plan_of(&state, &activity).await?;
    let evidence = state.store.evidence_of(activity.id).await?;
    let mode = Mode::Edit {
        activity: &activity,
        unit: &unit,
        plan: &plan,
        evidence: &evidence,
    };
    render(
        &form_page(
            &state,
            &identity,
            mode,
            &form_of(&activity),
            FieldErrors::default(),
            false,
        )
        .await?,
    )
}

pub async fn update(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let (activity, unit) = editable_activity(&state, &identity, &id).await?;
    let (mut form, uploads) = read_form(multipart).await?;
    let had_files = !uploads.is_empty();
    let plan = plan_of(&state, &activity).await?;
    let evidence = state.store.evidence_of(activity.id).await?;
    // Only this activity's evidence can be removed through its form.
    form.remove.retain(|id| evidence.iter().any(|e| e.id == *id));
    let kept = evidence.len() - form.remove.len().min(evidence.len());
    let mut errors = FieldErrors::default();
    match lanhmang_app::activities::check(&state.app, &unit, &plan, &form.input, &form.links, uploads, kept).await {
        Ok(ok) => {
            state
                .store
                .update_activity(
                    &identity.audit(&ip),
                    activity.id,
                    &ok.fields,
                    &ok.evidence,
                    &form.remove,
                )
                .await?;
            return Ok(Redirect::to(&format!("/hoat-dong/{}?tb=da-luu", activity.id)).into_response());
        }
        Err(lanhmang_app::AppError::Invalid(problems)) => errors.add_problems(problems),
        Err(e) => return Err(e.into()),
    }
    let mode = Mode::Edit {
        activity: &activity,
        unit: &unit,
        plan: &plan,
        evidence: &evidence,
    };
    let page = form_page(&state, &identity, mode, &form, errors, had_files).await?;
    Ok(unprocessable(render(&page)?))
}

pub async fn delete(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (activity, _) = editable_activity(&state, &identity, &id).await?;
    state.store.delete_activity(&identity.audit(&ip), activity.id).await?;
    Ok(Redirect::to("/hoat-dong?tb=da-xoa").into_response())
}

// ---------------------------------------------------------------------------------------------
// The detail page and evidence downloads.

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    tb: Option<String>,
}

#[derive(Template)]
#[template(path = "activity_show.html")]
struct ShowPage {
    layout: Layout,
    activity: Activity,
    date: String,
    kind: &'static str,
    plan: String,
    /// (code, title) of the tasks it counts for.
    tasks: Vec<(String, String)>,
    tasks_from_kind: bool,
    /// (label, count) of every group that came.
    audience: Vec<(&'static str, String)>,
    total: String,
    files: Vec<EvidenceView>,
    links: Vec<EvidenceView>,
    created: String,
    can_edit: bool,
}

pub async fn show(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let (activity, unit) = visible_activity(&state, &identity, parse_id(&id)?).await?;
    let plan = plan_of(&state, &activity).await?;
    let tasks_from_kind = activity.tasks.is_empty();
    let codes: Vec<String> = if tasks_from_kind {
        activity.kind.usual_task().map(str::to_string).into_iter().collect()
    } else {
        activity.tasks.clone()
    };
    let tasks = codes
        .into_iter()
        .map(|code| {
            let title = plan.content.task(&code).map(|t| t.title.clone()).unwrap_or_default();
            (code, title)
        })
        .collect();
    let au = &activity.audience;
    let groups = [
        au.teachers,
        au.staff,
        au.pupils_g1_2,
        au.pupils_g3_5,
        au.pupils_g6_7,
        au.pupils_g8_9,
        au.pupils_other,
        au.parents,
    ];
    let audience = COUNT_LABELS
        .iter()
        .zip(groups)
        .filter(|(_, n)| *n > 0)
        .map(|(label, n)| (*label, thousands(i64::from(n))))
        .collect();
    let evidence = state.store.evidence_of(activity.id).await?;
    let (links, files): (Vec<EvidenceView>, Vec<EvidenceView>) = evidence
        .iter()
        .map(|e| EvidenceView::from_meta(e, &[]))
        .partition(|e| !e.url.is_empty());
    let author = match activity.created_by {
        Some(pid) => state.store.person(pid).await?.map(|p| p.display_name),
        None => None,
    };
    let created = match author {
        Some(name) => format!("{name}, lúc {}", crate::format::date_time(activity.created_at)),
        None => crate::format::date_time(activity.created_at),
    };
    render(&ShowPage {
        layout: layout(activity.title.clone(), &identity, q.tb.as_deref()),
        date: day(activity.held_on),
        kind: activity.kind.label(),
        plan: plan_label(&plan),
        tasks,
        tasks_from_kind,
        audience,
        total: thousands(i64::try_from(au.total()).unwrap_or(i64::MAX)),
        files,
        links,
        created,
        can_edit: may_edit(&identity, &activity, &unit),
        activity,
    })
}

/// RFC 5987 encoding for `filename*`.
fn rfc5987(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `attachment; filename="bien ban.pdf"; filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n.pdf`: an
/// ASCII name for old clients, the real one for the rest.
pub(crate) fn content_disposition(inline: bool, name: &str) -> String {
    let name = clean_file_name(name);
    let ascii: String = fold_vi(&name)
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}", rfc5987(&name))
}

pub async fn download(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (meta, bytes) = state
        .store
        .evidence_file(parse_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    visible_activity(&state, &identity, meta.activity_id).await?;
    // Links have no bytes to serve; only the types checked on upload are served, as themselves.
    let Some(kind) =
        EvidenceType::from_content_type(&meta.content_type).filter(|_| meta.url.is_empty() && !bytes.is_empty())
    else {
        return Err(AppError::NotFound);
    };
    evidence_response(kind, &meta.file_name, bytes)
}

/// A checked evidence file (an activity's, a case's) served as itself.
pub(crate) fn evidence_response(kind: EvidenceType, file_name: &str, bytes: Vec<u8>) -> Result<Response, AppError> {
    // Images open in the browser (the page previews them). PDFs are downloaded: the sandbox
    // below stops some browsers (Safari) from drawing a PDF in the tab, and on phones they open
    // in the reader app anyway.
    let disposition = HeaderValue::from_str(&content_disposition(kind.is_image(), file_name))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind.content_type())),
            (header::CONTENT_DISPOSITION, disposition),
            // Whatever a file holds, it runs no script and reaches nothing of ours.
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox")),
            // Evidence never changes under its id; a private cache spares slow links.
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600")),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_routes() {
        assert!(takes_uploads(&Method::POST, "/hoat-dong/moi"));
        assert!(takes_uploads(&Method::POST, "/hoat-dong/12/sua"));
        assert!(!takes_uploads(&Method::GET, "/hoat-dong/moi"));
        assert!(!takes_uploads(&Method::POST, "/hoat-dong/12/xoa"));
        assert!(!takes_uploads(&Method::POST, "/hoat-dong//sua"));
        assert!(!takes_uploads(&Method::POST, "/hoat-dong/1/2/sua"));
        assert!(!takes_uploads(&Method::POST, "/don-vi/nhap"));
        assert!(takes_uploads(&Method::POST, "/su-co/7/tep"));
        assert!(!takes_uploads(&Method::POST, "/su-co/7/ghi-chu"));
    }

    #[test]
    fn numbers_sizes_and_months() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1.234.567");
        assert_eq!(thousands(-1200), "-1.200");
        assert_eq!(file_size(1000), "1 KB");
        assert_eq!(file_size(1_572_864), "1,5 MB");
        assert_eq!(
            parse_month("2026-10"),
            Date::from_calendar_date(2026, Month::October, 1).ok()
        );
        assert_eq!(
            parse_month("3/2027"),
            Date::from_calendar_date(2027, Month::March, 1).ok()
        );
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("99999-01"), None);
        let dec = Date::from_calendar_date(2026, Month::December, 1).unwrap();
        assert_eq!(month_param(next_month(dec).unwrap()), "2027-01");
        assert_eq!(
            month_param(previous_month(next_month(dec).unwrap()).unwrap()),
            "2026-12"
        );
    }

    #[test]
    fn download_names_are_safe() {
        let d = content_disposition(false, "Biên bản \"họp\".pdf");
        assert_eq!(
            d,
            "attachment; filename=\"bien ban hop.pdf\"; filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20h%E1%BB%8Dp.pdf"
        );
        assert!(d.is_ascii());
        assert!(content_disposition(true, "../../etc/passwd").starts_with("inline; filename=\"passwd\""));
    }
}
