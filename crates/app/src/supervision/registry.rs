//! The registry: registering a site (its address normalised and checked to be a public host),
//! importing a list, the site list's filters, a site's schedule.

use std::net::IpAddr;
use std::time::Duration;

use lanhmang_domain::address_policy::{is_localhost_name, is_non_public};
use lanhmang_domain::supervision::{GRADES, SiteKind, SiteState, SiteUrlError, normalize_site_url};
use lanhmang_domain::{Action, Paging, Target};
use lanhmang_store::Unit;
use lanhmang_store::sites::{NewSite, Registered, Site, SiteFilter};

use super::{standards, unit_filter, unit_in_scope, view_roots};
use crate::{Actor, App, AppError, Problem, Result};

/// Checks that an address can be inspected: a public host. With `allow_private` (the demo and
/// tests only) local addresses pass. The inspector applies the same rule on every connection;
/// this check only spares an office a registration that could never be inspected.
pub async fn check_public(host: &str, allow_private: bool) -> Result<(), SiteUrlError> {
    if allow_private {
        return Ok(());
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return if is_non_public(ip) {
            Err(SiteUrlError::Private(host.to_string()))
        } else {
            Ok(())
        };
    }
    if is_localhost_name(host) {
        return Err(SiteUrlError::Private(host.to_string()));
    }
    let lookup = tokio::time::timeout(Duration::from_secs(5), tokio::net::lookup_host((host.to_string(), 443))).await;
    let addrs: Vec<IpAddr> = match lookup {
        Ok(Ok(addrs)) => addrs.map(|a| a.ip()).collect(),
        _ => return Err(SiteUrlError::Unresolvable(host.to_string())),
    };
    if addrs.is_empty() {
        return Err(SiteUrlError::Unresolvable(host.to_string()));
    }
    // The message names the host, never the internal address it resolved to.
    if addrs.into_iter().any(is_non_public) {
        return Err(SiteUrlError::Private(host.to_string()));
    }
    Ok(())
}

/// The longest display name a site may have.
const NAME_MAX: usize = 200;

/// A site to register, parsed: the address normalised and checked, the kind known. Every
/// problem is listed with its field (`url`, `kind`, `name`).
pub async fn parse_new_site(app: &App, unit_id: i64, url: &str, kind: &str, name: &str) -> Result<NewSite> {
    let mut problems = Vec::new();
    let kind = match SiteKind::parse(kind) {
        Some(k) => Some(k),
        None => {
            problems.push(Problem::at(
                "kind",
                format!("Loại «{kind}» không hợp lệ (website, blog, diễn đàn hoặc trang thông tin)."),
            ));
            None
        }
    };
    let parsed = match normalize_site_url(url) {
        Ok((url, host)) => match check_public(&host, app.settings.allow_private_sites).await {
            Ok(()) => Some((url, host)),
            Err(e) => {
                problems.push(Problem::at("url", e.to_string()));
                None
            }
        },
        Err(e) => {
            problems.push(Problem::at("url", e.to_string()));
            None
        }
    };
    if name.chars().count() > NAME_MAX {
        problems.push(Problem::at("name", format!("Tên hiển thị dài quá {NAME_MAX} ký tự.")));
    }
    match (parsed, kind) {
        (Some((url, host)), Some(kind)) if problems.is_empty() => Ok(NewSite {
            unit_id,
            url,
            host,
            kind,
            name: name.trim().to_string(),
        }),
        _ => Err(AppError::Invalid(problems)),
    }
}

/// What registering did.
#[derive(Debug, Clone)]
pub enum Registration {
    Added(Site),
    /// Registered already; `visible` says whether the person may see the existing registration
    /// (another unit's site is not named to them).
    Duplicate {
        site: Site,
        visible: bool,
    },
}

/// Registers a site for a unit the person manages (under the standard in force there).
pub async fn register(app: &App, actor: &Actor, unit: &Unit, site: &NewSite) -> Result<Registration> {
    if !actor.may(Action::ManageSites, Target::Unit(&unit.ancestry)) {
        return Err(AppError::Forbidden);
    }
    let (_, rules) = standards::standard_for(app, unit).await?;
    Ok(match app.store.add_site(&actor.audit(), site, &rules).await? {
        Registered::Added(s) => Registration::Added(s),
        Registered::Duplicate(s) => {
            let visible = actor.may(Action::ViewSites, Target::Unit(&s.ancestry));
            Registration::Duplicate { site: s, visible }
        }
    })
}

/// Registers a site from a form or the API: the unit must be one the person manages, the
/// address and kind valid.
pub async fn create_site(
    app: &App,
    actor: &Actor,
    unit_id: i64,
    url: &str,
    kind: &str,
    name: &str,
) -> Result<Registration> {
    let unit = unit_in_scope(app, actor, unit_id, Action::ManageSites).await?;
    let site = parse_new_site(app, unit.id, url, kind, name).await?;
    register(app, actor, &unit, &site).await
}

/// What an import did: nothing is added when a row is wrong.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub added: Vec<String>,
    pub duplicates: Vec<String>,
    /// (line, message)
    pub errors: Vec<(usize, String)>,
}

/// The most rows one import takes.
const IMPORT_MAX_ROWS: usize = 5_000;

/// Imports sites from a CSV or XLSX table with the columns `ma_don_vi`, `dia_chi`, `loai`,
/// `ten` (header names are matched without diacritics). Every row is checked first; if any
/// is wrong nothing is added, and every problem is reported with its line.
pub async fn import(app: &App, actor: &Actor, bytes: Vec<u8>) -> Result<ImportReport> {
    let table = crate::read_table(bytes).await?;
    let mut report = ImportReport::default();
    let Some(header) = table.first() else {
        return Err(AppError::invalid("Tệp không có dòng nào."));
    };
    let find = |names: &[&str]| {
        header.iter().position(|h| {
            let key = lanhmang_domain::text::fold_key(h);
            names.iter().any(|n| key == *n)
        })
    };
    let (Some(code_col), Some(url_col)) = (
        find(&["ma_don_vi", "ma don vi", "ma", "code", "unit_code"]),
        find(&["dia_chi", "dia chi", "url", "website", "dia chi website"]),
    ) else {
        return Err(AppError::invalid(
            "Dòng đầu phải có các cột «ma_don_vi» và «dia_chi» (tùy chọn «loai», «ten»). Hãy dùng tệp mẫu.",
        ));
    };
    let kind_col = find(&["loai", "kind"]);
    let name_col = find(&["ten", "ten hien thi", "name"]);
    if table.len() > IMPORT_MAX_ROWS + 1 {
        return Err(AppError::invalid("Mỗi lần nhập tối đa 5.000 dòng."));
    }
    let mut parsed: Vec<(Unit, NewSite)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, row) in table.iter().enumerate().skip(1) {
        let line = i + 1;
        let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).map(|v| v.trim()).unwrap_or("");
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let code = cell(Some(code_col));
        let unit = match app.store.unit_by_code(code).await? {
            Some(u) if actor.may(Action::ManageSites, Target::Unit(&u.ancestry)) => u,
            _ => {
                report
                    .errors
                    .push((line, format!("Không có đơn vị mã «{code}» trong phạm vi bạn quản lý.")));
                continue;
            }
        };
        match parse_new_site(app, unit.id, cell(Some(url_col)), cell(kind_col), cell(name_col)).await {
            Ok(site) => {
                if !seen.insert(site.url.clone()) {
                    report
                        .duplicates
                        .push(format!("{} (lặp lại trong tệp, dòng {line})", site.url));
                    continue;
                }
                parsed.push((unit, site));
            }
            Err(AppError::Invalid(problems)) => {
                report.errors.extend(problems.into_iter().map(|p| (line, p.message)));
            }
            Err(e) => return Err(e),
        }
    }
    if !report.errors.is_empty() {
        return Ok(report);
    }
    for (unit, site) in parsed {
        match register(app, actor, &unit, &site).await? {
            Registration::Added(s) => report.added.push(s.url),
            Registration::Duplicate { site: s, .. } => report
                .duplicates
                .push(format!("{} (đã có, thuộc {})", s.url, s.unit_name)),
        }
    }
    Ok(report)
}

/// The site list's filters as they arrive (the page and the API name them differently).
#[derive(Debug, Clone, Default)]
pub struct RawSiteFilter {
    pub unit_id: Option<i64>,
    pub grade: Option<String>,
    pub status: Option<String>,
    pub problem: Option<String>,
    /// The headline state (`compromised`, `down`, …).
    pub state: Option<String>,
    pub q: Option<String>,
}

/// The site list's filter values, checked: (grade, status, problem).
pub type SiteFilters = (Option<String>, Option<String>, Option<String>);

/// Checks the headline state filter (`compromised`, `down`, `certificate_expired`,
/// `fails_standard`, `fine`, `not_yet_inspected`).
pub fn parse_state_filter(state: Option<&str>) -> Result<Option<SiteState>, String> {
    match state.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => SiteState::parse(s).map(Some).ok_or_else(|| {
            let names: Vec<&str> = SiteState::ALL.iter().map(|s| s.as_str()).collect();
            format!("Tình trạng «{s}» không hợp lệ ({}).", names.join(", "))
        }),
    }
}

/// Checks the grade (A+ … F or `none`), the status (up, down, pending) and the problem (cert,
/// compromised, disclosure, failing).
pub fn parse_site_filters(
    grade: Option<&str>,
    status: Option<&str>,
    problem: Option<&str>,
) -> Result<SiteFilters, String> {
    let grade = match grade.map(str::trim).filter(|g| !g.is_empty()) {
        None => None,
        Some(g) if g == "none" || GRADES.contains(&g) => Some(g.to_string()),
        Some(g) => return Err(format!("Hạng «{g}» không hợp lệ (A+, A, A-, … F, hoặc none).")),
    };
    let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s @ ("up" | "down" | "pending")) => Some(s.to_string()),
        Some(s) => return Err(format!("Trạng thái «{s}» không hợp lệ (up, down hoặc pending).")),
    };
    let problem = match problem.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(p @ ("cert" | "compromised" | "disclosure" | "failing")) => Some(p.to_string()),
        Some(p) => {
            return Err(format!(
                "Vấn đề «{p}» không hợp lệ (cert, compromised, disclosure hoặc failing)."
            ));
        }
    };
    Ok((grade, status, problem))
}

/// The store's filter for someone's site list: their scope, narrowed to a unit they see.
/// Malformed values are `Invalid`; a unit outside the scope is not found.
pub async fn site_filter(app: &App, actor: &Actor, raw: &RawSiteFilter) -> Result<(SiteFilter, Option<Unit>)> {
    let (grade, status, problem) =
        parse_site_filters(raw.grade.as_deref(), raw.status.as_deref(), raw.problem.as_deref())
            .map_err(AppError::invalid)?;
    let state = parse_state_filter(raw.state.as_deref()).map_err(AppError::invalid)?;
    let unit = unit_filter(app, actor, raw.unit_id).await?;
    let filter = SiteFilter {
        roots: view_roots(actor),
        unit_ancestry: unit.as_ref().map(|u| u.ancestry.clone()),
        grade,
        status,
        state,
        problem,
        q: raw
            .q
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    };
    Ok((filter, unit))
}

/// A page of someone's sites.
pub async fn list_sites(app: &App, filter: &SiteFilter, paging: Paging) -> Result<(Vec<Site>, i64)> {
    Ok(app.store.list_sites(filter, paging).await?)
}

/// Changes a site's schedule. The full inspection runs every 1 to 720 hours, the reachability
/// check every 5 to 1440 minutes (the standard's bounds). Whether the site is followed at all is
/// not part of the schedule: see [`set_monitoring`].
pub async fn update_schedule(
    app: &App,
    actor: &Actor,
    site_id: i64,
    full_hours: &str,
    check_minutes: &str,
) -> Result<Site> {
    let site = super::visible_site(app, actor, site_id, Action::ManageSites).await?;
    let mut problems = Vec::new();
    let hours = full_hours.trim().parse::<i64>().ok().filter(|h| (1..=720).contains(h));
    if hours.is_none() {
        problems.push(Problem::at(
            "full_hours",
            "Chu kỳ kiểm tra đầy đủ phải từ 1 đến 720 giờ.",
        ));
    }
    let minutes = check_minutes
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (5..=1440).contains(m));
    if minutes.is_none() {
        problems.push(Problem::at(
            "check_minutes",
            "Chu kỳ thử truy cập phải từ 5 đến 1440 phút.",
        ));
    }
    let (Some(hours), Some(minutes)) = (hours, minutes) else {
        return Err(AppError::Invalid(problems));
    };
    app.store
        .update_site_schedule(&actor.audit(), site.id, hours * 60, minutes)
        .await?;
    Ok(site)
}

/// The shortest and longest reason for stopping or resuming monitoring.
const REASON_MIN: usize = 5;
const REASON_MAX: usize = 500;

/// Whether someone may stop or resume following a site: the office that supervises it (office
/// or system administrators over the site's unit), never the school being watched.
pub fn may_control_monitoring(actor: &Actor, ancestry: &[i64]) -> bool {
    actor.may(Action::ManageStandards, Target::Unit(ancestry))
}

/// Stops or resumes following a site. Only the supervising office decides, with a reason that
/// the audit log keeps: a school cannot switch off the watch over its own website. The school's
/// own administrators see the site (and get 403); anyone else gets 404.
pub async fn set_monitoring(app: &App, actor: &Actor, site_id: i64, active: bool, reason: &str) -> Result<Site> {
    let site = super::visible_site(app, actor, site_id, Action::ViewSites).await?;
    if !may_control_monitoring(actor, &site.ancestry) {
        return Err(AppError::Forbidden);
    }
    let reason = reason.trim();
    let length = reason.chars().count();
    if length < REASON_MIN {
        return Err(AppError::Invalid(vec![Problem::at(
            "reason",
            if active {
                "Hãy ghi lý do theo dõi lại website này (ít nhất 5 ký tự)."
            } else {
                "Hãy ghi lý do dừng theo dõi website này (ít nhất 5 ký tự), ví dụ: trường đã ngừng dùng tên miền."
            },
        )]));
    }
    if length > REASON_MAX {
        return Err(AppError::Invalid(vec![Problem::at(
            "reason",
            format!("Lý do dài quá {REASON_MAX} ký tự."),
        )]));
    }
    if site.active == active {
        return Err(AppError::Conflict(
            if active {
                "Website này đang được theo dõi."
            } else {
                "Website này đã dừng theo dõi từ trước."
            }
            .into(),
        ));
    }
    app.store
        .set_site_monitoring(&actor.audit(), site.id, active, reason)
        .await?;
    super::visible_site(app, actor, site.id, Action::ViewSites).await
}
