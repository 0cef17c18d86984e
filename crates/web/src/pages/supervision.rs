//! Website supervision pages: the office overview, the site list and each site's page,
//! registering and importing sites, findings with their guides, "inspect now" with its
//! progress, the standard, the domain inventory and the in-app notifications.
//!
//! A site outside someone's scope is a 404, so that its existence is not revealed.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::supervision::findings::{
    self as sup_findings, HeaderFix, Move, RawFindingFilter, finding_summary, finding_title,
};
use lanhmang_app::supervision::inspection::{self as sup_inspection, InspectTarget};
use lanhmang_app::supervision::registry::{self as sup_registry, RawSiteFilter, Registration};
use lanhmang_app::supervision::standards::{self as sup_standards, StandardForm, StandardSaved};
use lanhmang_app::supervision::{self as service, manages};
use lanhmang_domain::finding::{DISCLOSURE_PARTS, Severity};
use lanhmang_domain::remediation::{self, Guide};
use lanhmang_domain::supervision::{CheckGroup, GRADES, SiteKind, SiteState, StandardRules};
use lanhmang_domain::{Action, Paging};
use lanhmang_store::sites::{Site, SiteFinding};
use lanhmang_store::{Unit, UnitFilter as StoreUnitFilter};
use serde::Deserialize;
use time::OffsetDateTime;

use super::units::Choice;
use super::{PageForm, paging, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::charts::{GradeBars, ScoreChart};
use crate::error::AppError;
use crate::layout::{FieldErrors, FilterBox, Layout, Pager, render};

const SECTION: &str = "/giam-sat";

fn layout(title: impl Into<String>, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, SECTION);
    layout.notice = notice.and_then(|code| match code {
        "da-them" => Some("Đã thêm website. Lần kiểm tra đầu tiên đã được xếp lịch."),
        "da-co" => Some("Địa chỉ này đã được đăng ký trước đó; không thêm lần nữa."),
        "da-luu" => Some("Đã lưu thay đổi."),
        "da-ghi-nhan" => Some("Đã ghi nhận phát hiện."),
        "da-sua" => Some("Đã nhận báo sửa xong; website đang được kiểm tra lại để xác nhận."),
        "da-doc" => Some("Đã đánh dấu mọi thông báo là đã đọc."),
        "da-dung" => Some("Đã dừng theo dõi website này; lý do đã được ghi vào nhật ký."),
        "da-tiep-tuc" => Some("Đã theo dõi lại website này; lần kiểm tra tiếp theo đã được xếp lịch."),
        _ => None,
    });
    layout
}

fn time_text(t: Option<OffsetDateTime>) -> String {
    t.map(|t| {
        let v = t.to_offset(lanhmang_domain::report::VIETNAM);
        format!(
            "{:02}:{:02} {}",
            v.hour(),
            v.minute(),
            lanhmang_domain::text::date_text(v.date())
        )
    })
    .unwrap_or_else(|| "—".into())
}

fn date_only(t: Option<OffsetDateTime>) -> String {
    t.map(|t| lanhmang_domain::text::date_text(t.to_offset(lanhmang_domain::report::VIETNAM).date()))
        .unwrap_or_else(|| "—".into())
}

fn status_label(status: &str) -> &'static str {
    match status {
        "up" => "Hoạt động",
        "down" => "Không truy cập được",
        _ => "Chưa kiểm tra",
    }
}

fn severity_label(severity: &str) -> &'static str {
    Severity::parse(severity).map_or("—", Severity::label)
}

fn state_label(state: &str) -> &'static str {
    match state {
        "open" => "Mới phát hiện",
        "acknowledged" => "Đã ghi nhận",
        "fixed" => "Đã báo sửa, chờ kiểm tra lại",
        _ => "Đã xử lý",
    }
}

/// Units someone may pick from, indented by depth (at most 500).
async fn unit_choices(state: &AppState, roots: &[i64], selected: Option<i64>) -> Result<(Vec<Choice>, i64), AppError> {
    let (units, total) = state
        .store
        .list_units(roots, &StoreUnitFilter::default(), Paging { page: 1, per_page: 500 })
        .await?;
    let base = units.iter().map(|u| u.ancestry.len()).min().unwrap_or(1);
    Ok((
        units
            .iter()
            .map(|u| {
                let indent = "\u{a0}\u{a0}".repeat(u.ancestry.len().saturating_sub(base));
                (u.id.to_string(), format!("{indent}{}", u.name), selected == Some(u.id))
            })
            .collect(),
        total,
    ))
}

/// The unit filter of a page: a unit inside the person's scope (or none).
async fn unit_filter(state: &AppState, identity: &Identity, raw: &Option<String>) -> Result<Option<Unit>, AppError> {
    let id = service::optional_id(raw, "Mã đơn vị").map_err(AppError::BadRequest)?;
    Ok(service::unit_filter(&state.app, identity, id).await?)
}

// ----- Overview -----

pub struct Figure {
    pub value: i64,
    pub label: &'static str,
    pub link: String,
    pub alarm: bool,
}

#[derive(Template)]
#[template(path = "supervision_overview.html")]
struct OverviewPage {
    layout: Layout,
    unit_name: String,
    units: Vec<Choice>,
    figures: Vec<Figure>,
    total: i64,
    grades_svg: String,
    can_manage: bool,
    can_standards: bool,
    inspect_unit: String,
    filter_box: FilterBox,
}

#[derive(Deserialize, Default)]
pub struct OverviewQuery {
    pub don_vi: Option<String>,
    pub tb: Option<String>,
}

pub async fn overview(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    let roots = service::view_roots(&identity);
    let unit = unit_filter(&state, &identity, &q.don_vi).await?;
    let o = state
        .store
        .sites_overview(&roots, unit.as_ref().map(|u| u.ancestry.as_slice()))
        .await?;
    let unit_param = unit.as_ref().map(|u| u.id.to_string()).unwrap_or_default();
    let link = |extra: &str| {
        let mut params = Vec::new();
        if !unit_param.is_empty() {
            params.push(format!("don_vi={unit_param}"));
        }
        if !extra.is_empty() {
            params.push(extra.to_string());
        }
        if params.is_empty() {
            "/giam-sat/website".to_string()
        } else {
            format!("/giam-sat/website?{}", params.join("&"))
        }
    };
    // The sites' headline states first, worst first, each site counted once; then the total
    // and the problems that cut across states.
    let mut figures: Vec<Figure> = o
        .states
        .iter()
        .map(|(st, n)| Figure {
            value: *n,
            label: st.label(),
            link: link(&format!("tinh_trang={}", st.as_str())),
            alarm: st.alarming() && *n > 0,
        })
        .collect();
    figures.extend([
        Figure {
            value: o.total,
            label: "website đang theo dõi",
            link: link(""),
            alarm: false,
        },
        Figure {
            value: o.cert_expiring,
            label: "chứng chỉ còn dưới 30 ngày",
            link: link("van_de=cert"),
            alarm: false,
        },
        Figure {
            value: o.disclosure_gap,
            label: "thiếu nội dung công khai",
            link: link("van_de=disclosure"),
            alarm: false,
        },
    ]);
    let (units, _) = unit_choices(&state, &roots, unit.as_ref().map(|u| u.id)).await?;
    let inspect_unit = service::inspect_unit(&identity, unit.as_ref())
        .map(|id| id.to_string())
        .unwrap_or_default();
    render(&OverviewPage {
        layout: layout("Giám sát website", &identity, q.tb.as_deref()),
        unit_name: unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        units,
        figures,
        total: o.total,
        grades_svg: GradeBars {
            id: "hang",
            counts: &{
                let mut counts = o.grades.clone();
                let ungraded = o.total - o.grades.iter().map(|g| g.1).sum::<i64>();
                if ungraded > 0 {
                    counts.push(("Chưa chấm".to_string(), ungraded));
                }
                counts
            },
        }
        .svg(),
        can_manage: service::can_manage_somewhere(&identity),
        can_standards: service::can_edit_standards_somewhere(&identity),
        inspect_unit,
        filter_box: FilterBox::of(&[q.don_vi.as_deref().unwrap_or_default()]),
    })
}

// ----- Site list -----

pub struct SiteRow {
    pub id: i64,
    /// The headline state, shown before anything else.
    pub state: &'static str,
    pub state_code: &'static str,
    pub state_explanation: &'static str,
    pub state_alarm: bool,
    pub url: String,
    pub name: String,
    pub unit_name: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub down: bool,
    pub grade: String,
    pub meets: &'static str,
    pub open_findings: i64,
    pub last: String,
    pub cert: String,
}

fn site_row(s: &Site) -> SiteRow {
    SiteRow {
        id: s.id,
        state: s.state.label(),
        state_code: s.state.as_str(),
        state_explanation: s.state.explanation(),
        state_alarm: s.state.alarming(),
        url: s.url.clone(),
        name: s.name.clone(),
        unit_name: s.unit_name.clone(),
        kind: s.kind.label(),
        status: if s.active {
            status_label(&s.status)
        } else {
            "Tạm dừng theo dõi"
        },
        down: s.status == "down",
        grade: s.grade.clone().unwrap_or_else(|| "—".into()),
        meets: match s.meets_standard {
            Some(true) => "Đạt",
            Some(false) => "Chưa đạt",
            None => "—",
        },
        open_findings: s.open_findings,
        last: time_text(s.last_full_at),
        cert: date_only(s.cert_expires_at),
    }
}

#[derive(Template)]
#[template(path = "supervision_sites.html")]
struct SitesPage {
    layout: Layout,
    rows: Vec<SiteRow>,
    pager: Pager,
    units: Vec<Choice>,
    grades: Vec<Choice>,
    statuses: Vec<Choice>,
    problems: Vec<Choice>,
    site_states: Vec<Choice>,
    q: String,
    filtered: bool,
    filter_box: FilterBox,
    can_manage: bool,
}

#[derive(Deserialize, Default)]
pub struct SitesQuery {
    pub don_vi: Option<String>,
    pub hang: Option<String>,
    pub trang_thai: Option<String>,
    pub van_de: Option<String>,
    pub tinh_trang: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
    pub tb: Option<String>,
}

pub async fn sites(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<SitesQuery>,
) -> Result<Response, AppError> {
    let paging = paging(&q.page, &q.per_page)?;
    let roots = service::view_roots(&identity);
    let raw = RawSiteFilter {
        unit_id: service::optional_id(&q.don_vi, "Mã đơn vị").map_err(AppError::BadRequest)?,
        grade: q.hang.clone(),
        status: q.trang_thai.clone(),
        problem: q.van_de.clone(),
        state: q.tinh_trang.clone(),
        q: q.q.clone(),
    };
    let (filter, unit) = sup_registry::site_filter(&state.app, &identity, &raw).await?;
    let (grade, status, problem) = (filter.grade.clone(), filter.status.clone(), filter.problem.clone());
    let site_state = filter.state;
    let search = filter.q.clone().unwrap_or_default();
    let (sites, total) = sup_registry::list_sites(&state.app, &filter, paging).await?;
    let params = [
        ("don_vi", unit.as_ref().map(|u| u.id.to_string()).unwrap_or_default()),
        ("hang", grade.clone().unwrap_or_default()),
        ("trang_thai", status.clone().unwrap_or_default()),
        ("van_de", problem.clone().unwrap_or_default()),
        (
            "tinh_trang",
            site_state.map(|s| s.as_str().to_string()).unwrap_or_default(),
        ),
        ("q", search.clone()),
    ];
    let (units, _) = unit_choices(&state, &roots, unit.as_ref().map(|u| u.id)).await?;
    let mut grades: Vec<Choice> = GRADES
        .iter()
        .map(|g| (g.to_string(), g.to_string(), grade.as_deref() == Some(*g)))
        .collect();
    grades.push(("none".into(), "Chưa có hạng".into(), grade.as_deref() == Some("none")));
    let statuses = [
        ("up", "Hoạt động"),
        ("down", "Không truy cập được"),
        ("pending", "Chưa kiểm tra"),
    ]
    .iter()
    .map(|(v, l)| (v.to_string(), l.to_string(), status.as_deref() == Some(*v)))
    .collect();
    let problems = [
        ("cert", "Chứng chỉ hết hạn hoặc sắp hết hạn"),
        ("compromised", "Có dấu hiệu bị tấn công"),
        ("disclosure", "Thiếu nội dung công khai"),
        ("failing", "Chưa đạt tiêu chí"),
    ]
    .iter()
    .map(|(v, l)| (v.to_string(), l.to_string(), problem.as_deref() == Some(*v)))
    .collect();
    render(&SitesPage {
        layout: layout("Danh sách website", &identity, q.tb.as_deref()),
        rows: sites.iter().map(site_row).collect(),
        pager: Pager::new("/giam-sat/website", &params, paging, total),
        units,
        grades,
        statuses,
        problems,
        site_states: SiteState::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), s.label().to_string(), site_state == Some(*s)))
            .collect(),
        q: search,
        filtered: params.iter().any(|(_, v)| !v.is_empty()),
        filter_box: FilterBox::of(&params.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>()),
        can_manage: service::can_manage_somewhere(&identity),
    })
}

// ----- Register and import -----

#[derive(Template)]
#[template(path = "supervision_site_new.html")]
struct NewSitePage {
    layout: Layout,
    units: Vec<Choice>,
    kinds: Vec<Choice>,
    url: String,
    name: String,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub struct NewSiteForm {
    #[serde(default)]
    pub unit_id: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

async fn new_site_page(
    state: &AppState,
    identity: &Identity,
    form: &NewSiteForm,
    errors: FieldErrors,
) -> Result<NewSitePage, AppError> {
    let roots = service::manage_roots(identity);
    let selected = form.unit_id.trim().parse::<i64>().ok();
    let (units, _) = unit_choices(state, &roots, selected).await?;
    let kind = SiteKind::parse(&form.kind).unwrap_or(SiteKind::Website);
    Ok(NewSitePage {
        layout: layout("Thêm website", identity, None),
        units,
        kinds: SiteKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), k.label().to_string(), *k == kind))
            .collect(),
        url: form.url.clone(),
        name: form.name.clone(),
        errors,
    })
}

pub async fn new_site_form(State(state): State<AppState>, identity: Identity) -> Result<Response, AppError> {
    render(&new_site_page(&state, &identity, &NewSiteForm::default(), FieldErrors::default()).await?)
}

pub async fn create_site(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<NewSiteForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let unit = match form.unit_id.trim().parse::<i64>() {
        Ok(id) => match service::unit_in_scope(&state.app, &identity, id, Action::ManageSites).await {
            Ok(u) => Some(u),
            Err(_) => {
                errors.add("unit_id", "Bạn không quản lý website của đơn vị này.");
                None
            }
        },
        Err(_) => {
            errors.add("unit_id", "Hãy chọn đơn vị sở hữu website.");
            None
        }
    };
    let parsed = sup_registry::parse_new_site(
        &state.app,
        unit.as_ref().map_or(0, |u| u.id),
        &form.url,
        &form.kind,
        &form.name,
    )
    .await;
    let site = match parsed {
        Ok(site) => Some(site),
        Err(lanhmang_app::AppError::Invalid(list)) => {
            errors.add_problems(
                list.into_iter()
                    .map(|p| lanhmang_app::Problem {
                        field: p.field.or_else(|| Some("url".into())),
                        message: p.message,
                    })
                    .collect(),
            );
            None
        }
        Err(e) => return Err(e.into()),
    };
    let (Some(unit), Some(site), true) = (unit, site, errors.is_empty()) else {
        let mut r = render(&new_site_page(&state, &identity, &form, errors).await?)?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    };
    match sup_registry::register(&state.app, &identity, &unit, &site).await? {
        Registration::Added(s) => Ok(Redirect::to(&format!("/giam-sat/website/{}?tb=da-them", s.id)).into_response()),
        Registration::Duplicate { site: s, visible } => {
            if visible {
                Ok(Redirect::to(&format!("/giam-sat/website/{}?tb=da-co", s.id)).into_response())
            } else {
                let mut errors = FieldErrors::default();
                errors.add(
                    "url",
                    "Địa chỉ này đã được một đơn vị khác đăng ký; không thêm lần nữa.",
                );
                let mut r = render(&new_site_page(&state, &identity, &form, errors).await?)?;
                *r.status_mut() = StatusCode::CONFLICT;
                Ok(r)
            }
        }
    }
}

#[derive(Template)]
#[template(path = "supervision_import.html")]
struct ImportPage {
    layout: Layout,
    problem: Option<String>,
    errors: Vec<(usize, String)>,
    added: Vec<String>,
    duplicates: Vec<String>,
}

pub async fn import_form(identity: Identity) -> Result<Response, AppError> {
    render(&ImportPage {
        layout: layout("Nhập danh sách website", &identity, None),
        problem: None,
        errors: Vec::new(),
        added: Vec::new(),
        duplicates: Vec::new(),
    })
}

pub async fn import_sample() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"mau-danh-sach-website.csv\""),
        ],
        "\u{feff}ma_don_vi,dia_chi,loai,ten\nTH-ANBINH,https://thanbinh.edu.vn,website,Website chính\nTH-ANBINH,https://blog.thanbinh.edu.vn,blog,Blog của trường\n",
    )
        .into_response()
}

pub async fn import(
    State(state): State<AppState>,
    identity: Identity,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("Không đọc được tệp gửi lên ({e}).")))?
    {
        if field.name() == Some("file") {
            file = Some(field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?.to_vec());
        }
    }
    let page = |problem: Option<String>, report: sup_registry::ImportReport| ImportPage {
        layout: layout("Nhập danh sách website", &identity, None),
        problem,
        errors: report.errors,
        added: report.added,
        duplicates: report.duplicates,
    };
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let mut r = render(&page(
            Some("Hãy chọn một tệp .csv hoặc .xlsx.".into()),
            Default::default(),
        ))?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    };
    match sup_registry::import(&state.app, &identity, bytes).await {
        Ok(report) => {
            let failed = !report.errors.is_empty();
            let mut r = render(&page(None, report))?;
            if failed {
                *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Ok(r)
        }
        Err(lanhmang_app::AppError::Invalid(m)) => {
            let mut r = render(&page(
                Some(lanhmang_app::error::messages(&m).join(" ")),
                Default::default(),
            ))?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

// ----- One site -----

pub struct FindingRow {
    pub id: i64,
    pub code: String,
    /// What it means, plainly; the title and evidence follow as detail.
    pub summary: String,
    pub title: String,
    pub severity: &'static str,
    pub serious: bool,
    pub state: &'static str,
    pub evidence: String,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved: String,
    pub reopened: i64,
    pub can_ack: bool,
    pub can_fix: bool,
    pub site_id: i64,
    pub site_url: String,
    pub unit_name: String,
}

fn finding_row(f: &SiteFinding, manage: bool) -> FindingRow {
    FindingRow {
        id: f.id,
        code: f.code.clone(),
        summary: finding_summary(&f.code, &f.evidence),
        title: finding_title(&f.code),
        severity: severity_label(&f.severity),
        serious: matches!(f.severity.as_str(), "high" | "critical"),
        state: state_label(&f.state),
        evidence: f.evidence.clone(),
        first_seen: time_text(Some(f.first_seen_at)),
        last_seen: time_text(Some(f.last_seen_at)),
        resolved: time_text(f.resolved_at),
        reopened: f.reopened,
        can_ack: manage && f.state == "open",
        can_fix: manage && matches!(f.state.as_str(), "open" | "acknowledged"),
        site_id: f.site_id,
        site_url: f.site_url.clone(),
        unit_name: f.unit_name.clone(),
    }
}

pub struct RunRow {
    pub when: String,
    pub mode: &'static str,
    pub reachable: bool,
    pub status: String,
    pub grade: String,
    pub pages: i64,
    pub broken: i64,
    pub findings: i64,
    pub meets: &'static str,
    pub seconds: String,
}

#[derive(Template)]
#[template(path = "supervision_site.html")]
struct SitePage {
    layout: Layout,
    site: SiteRow,
    standard: String,
    schedule: String,
    full_hours: i64,
    check_minutes: i64,
    active: bool,
    chart: String,
    open: Vec<FindingRow>,
    resolved: Vec<FindingRow>,
    runs: Vec<RunRow>,
    cert_issuer: String,
    cert_days: String,
    pages_checked: i64,
    broken_links: Vec<String>,
    feeds: Vec<String>,
    manage: bool,
    admins: String,
    has_points: bool,
    header_fixes: Vec<HeaderFix>,
    /// Office staff may stop or resume following the site.
    control_monitoring: bool,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    pub tb: Option<String>,
}

pub async fn site(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let site = service::visible_site(&state.app, &identity, parse_id(&id)?, Action::ViewSites).await?;
    let manage = manages(&identity, &site.ancestry);
    let open = sup_findings::site_findings(&state.app, &site, None, 200).await?;
    let resolved = sup_findings::site_findings(&state.app, &site, Some("resolved"), 20).await?;
    let runs = state.store.site_runs(site.id, false, 30).await?;
    let full_runs = state.store.site_runs(site.id, true, 60).await?;
    let points: Vec<(time::Date, i64, String)> = full_runs
        .iter()
        .rev()
        .filter_map(|r| {
            Some((
                r.finished_at.to_offset(lanhmang_domain::report::VIETNAM).date(),
                r.score?,
                r.grade.clone()?,
            ))
        })
        .collect();
    let latest_detail: serde_json::Value = full_runs
        .first()
        .and_then(|r| serde_json::from_str(&r.detail).ok())
        .unwrap_or_default();
    let cert_issuer = latest_detail["tls"]["chain"][0]["issuer"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let cert_days = latest_detail["tls"]["days_to_expiry"]
        .as_i64()
        .map(|d| {
            if d < 0 {
                format!("đã hết hạn {} ngày", -d)
            } else {
                format!("còn {d} ngày")
            }
        })
        .unwrap_or_else(|| "—".into());
    let broken_links = open
        .iter()
        .filter(|f| lanhmang_domain::finding::FindingCode::parse(&f.code).is_some_and(|c| c.is_broken_link()))
        .flat_map(|f| f.evidence.split(", ").map(str::to_string).collect::<Vec<_>>())
        .filter(|l| !l.is_empty())
        .take(50)
        .collect();
    let header_fixes = full_runs
        .first()
        .map(|r| sup_findings::failing_header_tests(&r.detail))
        .unwrap_or_default();
    let feeds = latest_detail["feeds"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["url"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let unit = state.store.unit(site.unit_id).await?.ok_or(AppError::NotFound)?;
    let admins: Vec<String> = state
        .store
        .people_with_roles_in_unit(unit.id)
        .await?
        .into_iter()
        .filter(|(p, r)| *r == lanhmang_domain::Role::WebsiteAdmin && !p.disabled)
        .map(|(p, _)| p.display_name)
        .collect();
    let admins = if admins.is_empty() {
        "chưa có ai được giao vai trò Quản trị website".to_string()
    } else {
        admins.join(", ")
    };
    let (standard, _) = sup_standards::standard_for(&state.app, &unit).await?;
    let standard = match standard {
        Some(s) => format!("phiên bản {} của đơn vị cấp trên", s.version),
        None => "bộ tiêu chí mặc định (Thông tư 09/2024 và an toàn cơ bản)".into(),
    };
    let schedule = format!(
        "Kiểm tra đầy đủ mỗi {} giờ, thử truy cập mỗi {} phút{}",
        site.full_interval_minutes / 60,
        site.check_interval_minutes,
        if site.consecutive_failures > 0 {
            format!(
                " (đang giãn ra do {} lần liên tiếp không truy cập được)",
                site.consecutive_failures
            )
        } else {
            String::new()
        }
    );
    render(&SitePage {
        layout: layout(site.url.clone(), &identity, q.tb.as_deref()),
        standard,
        schedule,
        full_hours: site.full_interval_minutes / 60,
        check_minutes: site.check_interval_minutes,
        active: site.active,
        chart: ScoreChart {
            id: "diem",
            points: &points,
        }
        .svg(),
        has_points: !points.is_empty(),
        open: open.iter().map(|f| finding_row(f, manage)).collect(),
        resolved: resolved.iter().map(|f| finding_row(f, false)).collect(),
        runs: runs
            .iter()
            .map(|r| RunRow {
                when: time_text(Some(r.finished_at)),
                mode: if r.mode == "full" { "Đầy đủ" } else { "Truy cập" },
                reachable: r.reachable,
                status: r.http_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into()),
                grade: r.grade.clone().unwrap_or_else(|| "—".into()),
                pages: r.pages_checked,
                broken: r.broken_links,
                findings: r.findings,
                meets: match r.meets_standard {
                    Some(true) => "Đạt",
                    Some(false) => "Chưa đạt",
                    None => "—",
                },
                seconds: format!("{:.1}", r.elapsed_ms as f64 / 1000.0).replace('.', ","),
            })
            .collect(),
        cert_issuer,
        cert_days,
        pages_checked: full_runs.first().map_or(0, |r| r.pages_checked),
        broken_links,
        feeds,
        manage,
        admins,
        header_fixes,
        control_monitoring: sup_registry::may_control_monitoring(&identity, &site.ancestry),
        site: site_row(&site),
    })
}

#[derive(Deserialize, Default)]
pub struct ScheduleForm {
    #[serde(default)]
    pub full_hours: String,
    #[serde(default)]
    pub check_minutes: String,
}

pub async fn update_schedule(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<ScheduleForm>,
) -> Result<Response, AppError> {
    let site = sup_registry::update_schedule(
        &state.app,
        &identity,
        parse_id(&id)?,
        &form.full_hours,
        &form.check_minutes,
    )
    .await?;
    Ok(Redirect::to(&format!("/giam-sat/website/{}?tb=da-luu", site.id)).into_response())
}

#[derive(Deserialize, Default)]
pub struct MonitoringForm {
    /// "dung" stops following the site, "tiep-tuc" resumes.
    #[serde(default)]
    pub hanh_dong: String,
    #[serde(default)]
    pub ly_do: String,
}

/// The office stops or resumes following a site, with a reason (`app::supervision::registry`).
pub async fn set_monitoring(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<MonitoringForm>,
) -> Result<Response, AppError> {
    let active = match form.hanh_dong.as_str() {
        "dung" => false,
        "tiep-tuc" => true,
        other => {
            return Err(AppError::BadRequest(format!(
                "Hành động «{other}» không hợp lệ (dung hoặc tiep-tuc)."
            )));
        }
    };
    let site = sup_registry::set_monitoring(&state.app, &identity, parse_id(&id)?, active, &form.ly_do).await?;
    let notice = if active { "da-tiep-tuc" } else { "da-dung" };
    Ok(Redirect::to(&format!("/giam-sat/website/{}?tb={notice}", site.id)).into_response())
}

pub async fn inspect_site_now(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let request = sup_inspection::inspect_now(&state.app, &identity, InspectTarget::Site(parse_id(&id)?)).await?;
    Ok(Redirect::to(&format!("/giam-sat/kiem-tra/{request}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct InspectAllForm {
    #[serde(default)]
    pub don_vi: String,
}

pub async fn inspect_all_now(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<InspectAllForm>,
) -> Result<Response, AppError> {
    let unit_id = form
        .don_vi
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::BadRequest("Hãy chọn đơn vị cần kiểm tra.".into()))?;
    let request = sup_inspection::inspect_now(&state.app, &identity, InspectTarget::Unit(unit_id)).await?;
    Ok(Redirect::to(&format!("/giam-sat/kiem-tra/{request}")).into_response())
}

#[derive(Template)]
#[template(path = "supervision_progress.html")]
struct ProgressPage {
    layout: Layout,
    done: i64,
    total: i64,
    percent: i64,
    finished: bool,
    back: String,
    started: String,
}

pub async fn progress(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let p = sup_inspection::progress(&state.app, &identity, parse_id(&id)?).await?;
    let back = match p.site_id {
        Some(id) => format!("/giam-sat/website/{id}"),
        None => format!("/giam-sat?don_vi={}", p.unit_id),
    };
    render(&ProgressPage {
        layout: layout("Tiến độ kiểm tra", &identity, None),
        done: p.done,
        total: p.total,
        percent: if p.total > 0 { p.done * 100 / p.total } else { 100 },
        finished: p.finished,
        back,
        started: time_text(Some(p.created_at)),
    })
}

// ----- Findings -----

#[derive(Template)]
#[template(path = "supervision_findings.html")]
struct FindingsPage {
    layout: Layout,
    rows: Vec<FindingRow>,
    pager: Pager,
    units: Vec<Choice>,
    states: Vec<Choice>,
    filter_box: FilterBox,
}

#[derive(Deserialize, Default)]
pub struct FindingsQuery {
    pub don_vi: Option<String>,
    pub tinh_trang: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

pub async fn findings(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<FindingsQuery>,
) -> Result<Response, AppError> {
    let paging = paging(&q.page, &q.per_page)?;
    let roots = service::view_roots(&identity);
    let raw = RawFindingFilter {
        unit_id: service::optional_id(&q.don_vi, "Mã đơn vị").map_err(AppError::BadRequest)?,
        site_id: None,
        state: q.tinh_trang.clone(),
    };
    let (filter, unit) = sup_findings::finding_filter(&state.app, &identity, &raw).await?;
    let st = filter.state.clone();
    let (rows, total) = sup_findings::list_findings(&state.app, &filter, paging).await?;
    let params = [
        ("don_vi", unit.as_ref().map(|u| u.id.to_string()).unwrap_or_default()),
        ("tinh_trang", st.clone().unwrap_or_default()),
    ];
    let (units, _) = unit_choices(&state, &roots, unit.as_ref().map(|u| u.id)).await?;
    render(&FindingsPage {
        layout: layout("Phát hiện", &identity, None),
        rows: rows
            .iter()
            .map(|f| finding_row(f, manages(&identity, &f.ancestry)))
            .collect(),
        pager: Pager::new("/giam-sat/phat-hien", &params, paging, total),
        units,
        states: sup_findings::STATES
            .iter()
            .map(|s| (s.to_string(), state_label(s).to_string(), st.as_deref() == Some(*s)))
            .collect(),
        filter_box: FilterBox::of(&params.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>()),
    })
}

pub async fn acknowledge(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let f = sup_findings::move_finding(&state.app, &identity, parse_id(&id)?, Move::Acknowledge).await?;
    Ok(Redirect::to(&format!("/giam-sat/website/{}?tb=da-ghi-nhan", f.site_id)).into_response())
}

pub async fn mark_fixed(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let f = sup_findings::move_finding(&state.app, &identity, parse_id(&id)?, Move::Fixed).await?;
    Ok(Redirect::to(&format!("/giam-sat/website/{}?tb=da-sua", f.site_id)).into_response())
}

// ----- Standard -----

pub struct GroupRow {
    pub code: &'static str,
    pub label: &'static str,
    pub on: bool,
    pub mandatory: bool,
}

pub struct VersionRow {
    pub version: i64,
    pub when: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "supervision_standard.html")]
struct StandardPage {
    layout: Layout,
    unit_name: String,
    unit_id: i64,
    source: String,
    version: i64,
    groups: Vec<GroupRow>,
    stale_days: String,
    cert_days: String,
    min_grade: Vec<Choice>,
    parts: Vec<(String, bool)>,
    full_hours: String,
    check_minutes: String,
    versions: Vec<VersionRow>,
    can_edit: bool,
    errors: Vec<String>,
    note: String,
    note_missing: bool,
}

#[derive(Deserialize, Default)]
pub struct StandardQuery {
    pub don_vi: Option<String>,
    pub tb: Option<String>,
}

/// The office whose standard a person edits or reads.
async fn standard_unit(state: &AppState, identity: &Identity, raw: &Option<String>) -> Result<Unit, AppError> {
    let id = service::optional_id(raw, "Mã đơn vị").map_err(AppError::BadRequest)?;
    Ok(sup_standards::standard_unit(&state.app, identity, id).await?)
}

fn standard_page(
    identity: &Identity,
    unit: &Unit,
    own: &[lanhmang_store::sites::Standard],
    inherited: Option<&lanhmang_store::sites::Standard>,
    rules: &StandardRules,
    errors: Vec<String>,
    notice: Option<&str>,
) -> StandardPage {
    let can_edit = sup_standards::may_edit(identity, unit);
    let source = match (own.first(), inherited) {
        (Some(s), _) => format!("Phiên bản {} do {} ban hành.", s.version, unit.name),
        (None, Some(s)) if s.unit_id != unit.id => {
            format!("Đang áp dụng phiên bản {} của đơn vị cấp trên.", s.version)
        }
        _ => "Đang áp dụng bộ tiêu chí mặc định: Thông tư 09/2024/TT-BGDĐT về công khai và các yêu cầu an toàn cơ bản."
            .into(),
    };
    StandardPage {
        layout: layout("Tiêu chí kiểm tra website", identity, notice),
        unit_name: unit.name.clone(),
        unit_id: unit.id,
        source,
        version: own.first().map_or(0, |s| s.version),
        groups: CheckGroup::ALL
            .iter()
            .map(|g| GroupRow {
                code: g.as_str(),
                label: g.label(),
                on: rules.checks.contains(g),
                mandatory: g.mandatory(),
            })
            .collect(),
        stale_days: rules.stale_after_days.to_string(),
        cert_days: rules.cert_warning_days.to_string(),
        min_grade: GRADES
            .iter()
            .map(|g| (g.to_string(), g.to_string(), rules.min_header_grade == *g))
            .collect(),
        parts: DISCLOSURE_PARTS
            .iter()
            .map(|(name, _)| (name.to_string(), rules.required_disclosure.iter().any(|p| p == name)))
            .collect(),
        full_hours: rules.full_interval_hours.to_string(),
        check_minutes: rules.check_interval_minutes.to_string(),
        versions: own
            .iter()
            .map(|s| VersionRow {
                version: s.version,
                when: time_text(Some(s.created_at)),
                note: s.note.clone(),
            })
            .collect(),
        can_edit,
        errors,
        note: String::new(),
        note_missing: false,
    }
}

pub async fn standard(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<StandardQuery>,
) -> Result<Response, AppError> {
    let unit = standard_unit(&state, &identity, &q.don_vi).await?;
    let own = sup_standards::versions(&state.app, &unit).await?;
    let (inherited, rules) = sup_standards::standard_for(&state.app, &unit).await?;
    render(&standard_page(
        &identity,
        &unit,
        &own,
        inherited.as_ref(),
        &rules,
        Vec::new(),
        q.tb.as_deref(),
    ))
}

/// The standard form: repeated `check` and `part` fields, so it is read as pairs.
pub async fn save_standard(
    State(state): State<AppState>,
    identity: Identity,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|e| AppError::BadRequest(format!("Biểu mẫu gửi lên không hợp lệ ({e}).")))?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let all = |name: &str| {
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let form = StandardForm {
        unit_id: field("unit_id"),
        version: field("version"),
        checks: all("check"),
        parts: all("part"),
        stale_days: field("stale_days"),
        cert_days: field("cert_days"),
        min_grade: field("min_grade"),
        full_hours: field("full_hours"),
        check_minutes: field("check_minutes"),
        note: field("note"),
    };
    match sup_standards::save_standard(&state.app, &identity, &form).await? {
        StandardSaved::Saved(unit) => {
            Ok(Redirect::to(&format!("/giam-sat/tieu-chi?don_vi={}&tb=da-luu", unit.id)).into_response())
        }
        StandardSaved::Rejected {
            unit,
            rules,
            based_on,
            problems,
        } => {
            let own = sup_standards::versions(&state.app, &unit).await?;
            let (inherited, _) = sup_standards::standard_for(&state.app, &unit).await?;
            let mut page = standard_page(&identity, &unit, &own, inherited.as_ref(), &rules, problems, None);
            page.note_missing = form.note.is_empty();
            page.note = form.note;
            page.version = based_on;
            let mut r = render(&page)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}

// ----- Domains -----

pub struct DomainView {
    pub host: String,
    pub sites: i64,
    pub cert: String,
    pub registration: String,
    pub registrar: String,
    pub note: String,
    pub warn: bool,
    pub expired: bool,
}

#[derive(Template)]
#[template(path = "supervision_domains.html")]
struct DomainsPage {
    layout: Layout,
    rows: Vec<DomainView>,
    pager: Pager,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub page: Option<String>,
    pub per_page: Option<String>,
}

pub async fn domains(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let paging = paging(&q.page, &q.per_page)?;
    let (rows, total) = state
        .store
        .domain_inventory(&service::view_roots(&identity), paging)
        .await?;
    let now = lanhmang_store::now();
    let soon = now + time::Duration::days(30);
    render(&DomainsPage {
        layout: layout("Tên miền", &identity, None),
        rows: rows
            .iter()
            .map(|d| DomainView {
                host: d.host.clone(),
                sites: d.sites,
                cert: date_only(d.cert_expires_at),
                registration: date_only(d.registration_expires_at),
                registrar: d
                    .registrar
                    .clone()
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| "—".into()),
                note: match (&d.checked_at, d.check_error.as_deref()) {
                    (None, _) => String::new(),
                    (Some(_), Some(e)) if !e.is_empty() => e.to_string(),
                    (Some(t), _) => format!("Tra cứu lúc {}", time_text(Some(*t))),
                },
                warn: d.cert_expires_at.is_some_and(|c| c < soon)
                    || d.registration_expires_at.is_some_and(|r| r < soon),
                expired: d.cert_expires_at.is_some_and(|c| c < now)
                    || d.registration_expires_at.is_some_and(|r| r < now),
            })
            .collect(),
        pager: Pager::new("/giam-sat/ten-mien", &[], paging, total),
    })
}

// ----- Guides -----

/// "45 phút", "2 giờ", "1 giờ 30 phút".
fn duration(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} phút"),
        (h, 0) => format!("{h} giờ"),
        (h, m) => format!("{h} giờ {m} phút"),
    }
}

#[derive(Template)]
#[template(path = "guides.html")]
struct GuidesPage {
    layout: Layout,
    guides: Vec<(&'static Guide, String)>,
}

pub async fn guides(identity: Identity) -> Result<Response, AppError> {
    render(&GuidesPage {
        layout: Layout::new("Hướng dẫn khắc phục", &identity, "/huong-dan"),
        guides: remediation::GUIDES.iter().map(|g| (g, duration(g.minutes))).collect(),
    })
}

#[derive(Template)]
#[template(path = "guide.html")]
struct GuidePage {
    layout: Layout,
    guide: &'static Guide,
    duration: String,
}

pub async fn guide(identity: Identity, Path(code): Path<String>) -> Result<Response, AppError> {
    let guide = remediation::guide(&code).ok_or(AppError::NotFound)?;
    render(&GuidePage {
        layout: Layout::new(guide.title, &identity, "/huong-dan"),
        guide,
        duration: duration(guide.minutes),
    })
}

// ----- Notifications -----

pub struct NotificationRow {
    pub title: String,
    pub body: String,
    pub link: String,
    pub when: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    rows: Vec<NotificationRow>,
    pager: Pager,
    unread: i64,
}

pub async fn notifications(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let paging = paging(&q.page, &q.per_page)?;
    let (rows, total) = state.store.notifications(identity.person.id, paging).await?;
    let unread = state.store.unread_notifications(identity.person.id).await?;
    let mut layout = Layout::new("Thông báo", &identity, "/thong-bao");
    layout.notice = None;
    render(&NotificationsPage {
        layout,
        rows: rows
            .iter()
            .map(|n| NotificationRow {
                title: n.title.clone(),
                body: n.body.clone(),
                link: n.link.clone(),
                when: time_text(Some(n.created_at)),
                unread: n.read_at.is_none(),
            })
            .collect(),
        pager: Pager::new("/thong-bao", &[], paging, total),
        unread,
    })
}

pub async fn mark_read(State(state): State<AppState>, identity: Identity) -> Result<Response, AppError> {
    state.store.mark_notifications_read(identity.person.id).await?;
    Ok(Redirect::to("/thong-bao").into_response())
}
