//! Website supervision as both the pages and the API apply it: which sites someone sees,
//! registering a site (with its address checked), importing a list, "inspect now", moving a
//! finding along, and the standard in force. Handlers parse, call here, and render.

use std::net::IpAddr;
use std::time::Duration;

use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::supervision::{SiteKind, SiteUrlError, StandardRules, normalize_site_url};
use lanhmang_domain::{Action, Target, authorize};
use lanhmang_store::sites::{InspectionProgress, NewSite, Registered, Site, SiteFinding, Standard};
use lanhmang_store::{AuditContext, Unit};

use crate::AppState;
use crate::auth::Identity;
use lanhmang_app::{AppError as ServiceError, Result};

/// A site someone may see with `action`; anything out of scope is a 404, so that its existence
/// is not revealed.
pub async fn visible_site(state: &AppState, identity: &Identity, id: i64, action: Action) -> Result<Site> {
    let site = state.store.site(id).await?.ok_or(ServiceError::NotFound)?;
    if authorize(&identity.permissions, action, Target::Unit(&site.ancestry)) {
        return Ok(site);
    }
    if action != Action::ViewSites && authorize(&identity.permissions, Action::ViewSites, Target::Unit(&site.ancestry))
    {
        return Err(ServiceError::Forbidden);
    }
    Err(ServiceError::NotFound)
}

pub async fn visible_finding(state: &AppState, identity: &Identity, id: i64, action: Action) -> Result<SiteFinding> {
    let finding = state.store.site_finding(id).await?.ok_or(ServiceError::NotFound)?;
    if authorize(&identity.permissions, action, Target::Unit(&finding.ancestry)) {
        return Ok(finding);
    }
    if action != Action::ViewSites
        && authorize(
            &identity.permissions,
            Action::ViewSites,
            Target::Unit(&finding.ancestry),
        )
    {
        return Err(ServiceError::Forbidden);
    }
    Err(ServiceError::NotFound)
}

/// A unit in someone's scope for `action` (404 outside it).
pub async fn unit_in_scope(state: &AppState, identity: &Identity, unit_id: i64, action: Action) -> Result<Unit> {
    let unit = state.store.unit(unit_id).await?.ok_or(ServiceError::NotFound)?;
    if !authorize(&identity.permissions, action, Target::Unit(&unit.ancestry)) {
        return Err(
            if authorize(&identity.permissions, Action::ViewSites, Target::Unit(&unit.ancestry)) {
                ServiceError::Forbidden
            } else {
                ServiceError::NotFound
            },
        );
    }
    Ok(unit)
}

/// An optional id from a query string: absent or empty is none; anything but a positive
/// integer is refused with a message naming the parameter.
pub fn optional_id(raw: &Option<String>, name: &str) -> Result<Option<i64>, String> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .map(Some)
            .ok_or_else(|| format!("{name} phải là một số nguyên dương (đã gửi «{v}»).")),
    }
}

/// The roots of someone's scope for seeing sites.
pub fn view_roots(identity: &Identity) -> Vec<i64> {
    scope_roots(&identity.permissions, Action::ViewSites)
}

/// The standard in force for a unit: the nearest office's latest version, or the default.
pub async fn standard_for(state: &AppState, unit: &Unit) -> Result<(Option<Standard>, StandardRules)> {
    let standard = state.store.standard_for(&unit.ancestry).await?;
    let rules = standard.as_ref().map(|s| s.rules.clone()).unwrap_or_default();
    Ok((standard, rules))
}

/// Checks that an address can be inspected: a public host. With `allow_private` (the demo and
/// tests only) local addresses pass.
pub async fn check_public(host: &str, allow_private: bool) -> Result<(), SiteUrlError> {
    use lanhmang_domain::address_policy::{is_localhost_name, is_non_public};
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
    if addrs.into_iter().any(is_non_public) {
        return Err(SiteUrlError::Private(host.to_string()));
    }
    Ok(())
}

/// A site to register, parsed: the address normalised and checked, the kind known.
pub async fn parse_new_site(
    state: &AppState,
    unit_id: i64,
    url: &str,
    kind: &str,
    name: &str,
) -> Result<NewSite, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let kind = match SiteKind::parse(kind) {
        Some(k) => Some(k),
        None => {
            errors.push((
                "kind",
                format!("Loại «{kind}» không hợp lệ (website, blog, diễn đàn hoặc trang thông tin)."),
            ));
            None
        }
    };
    let parsed = match normalize_site_url(url) {
        Ok((url, host)) => match check_public(&host, state.config.allow_private_sites).await {
            Ok(()) => Some((url, host)),
            Err(e) => {
                errors.push(("url", e.to_string()));
                None
            }
        },
        Err(e) => {
            errors.push(("url", e.to_string()));
            None
        }
    };
    if name.chars().count() > 200 {
        errors.push(("name", "Tên hiển thị dài quá 200 ký tự.".into()));
    }
    match (parsed, kind) {
        (Some((url, host)), Some(kind)) if errors.is_empty() => Ok(NewSite {
            unit_id,
            url,
            host,
            kind,
            name: name.trim().to_string(),
        }),
        _ => Err(errors),
    }
}

/// Registers a site for a unit the person manages.
pub async fn register(state: &AppState, ctx: &AuditContext, unit: &Unit, site: &NewSite) -> Result<Registered> {
    let (_, rules) = standard_for(state, unit).await?;
    Ok(state.store.add_site(ctx, site, &rules).await?)
}

/// "Inspect now" for one site or every site of a unit's subtree.
pub async fn inspect_now(
    state: &AppState,
    identity: &Identity,
    ctx: &AuditContext,
    site_id: Option<i64>,
    unit_id: Option<i64>,
) -> Result<i64> {
    match (site_id, unit_id) {
        (Some(id), None) => {
            let site = visible_site(state, identity, id, Action::ManageSites).await?;
            Ok(state
                .store
                .request_inspection(ctx, &site.ancestry, Some(site.id))
                .await?)
        }
        (None, Some(id)) => {
            let unit = unit_in_scope(state, identity, id, Action::ManageSites).await?;
            Ok(state.store.request_inspection(ctx, &unit.ancestry, None).await?)
        }
        _ => Err(ServiceError::invalid(
            "Cần cho biết đúng một trong hai: site_id (một website) hoặc unit_id (mọi website của đơn vị).",
        )),
    }
}

/// A request's progress, for someone who may see its unit.
pub async fn progress(state: &AppState, identity: &Identity, id: i64) -> Result<InspectionProgress> {
    let p = state
        .store
        .inspection_progress(id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !authorize(&identity.permissions, Action::ViewSites, Target::Unit(&p.ancestry)) {
        return Err(ServiceError::NotFound);
    }
    Ok(p)
}

/// Moves a finding: acknowledged, or fixed (which queues a fresh inspection of its site).
pub async fn move_finding(
    state: &AppState,
    identity: &Identity,
    ctx: &AuditContext,
    id: i64,
    fixed: bool,
) -> Result<SiteFinding> {
    visible_finding(state, identity, id, Action::ManageSites).await?;
    Ok(if fixed {
        state.store.mark_finding_fixed(ctx, id).await?
    } else {
        state.store.acknowledge_finding(ctx, id).await?
    })
}

/// One row of an import file: the unit's code, the address, the kind, a name.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub added: Vec<String>,
    pub duplicates: Vec<String>,
    /// (line, message)
    pub errors: Vec<(usize, String)>,
}

/// Imports sites from a CSV or XLSX table with the columns `ma_don_vi`, `dia_chi`, `loai`,
/// `ten` (header names are matched without diacritics). Every row is checked first; if any
/// is wrong nothing is added, and every problem is reported with its line.
pub async fn import(state: &AppState, identity: &Identity, ctx: &AuditContext, bytes: Vec<u8>) -> Result<ImportReport> {
    let table = lanhmang_app::read_table(bytes).await?;
    let mut report = ImportReport::default();
    let Some(header) = table.first() else {
        return Err(ServiceError::invalid("Tệp không có dòng nào."));
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
        return Err(ServiceError::invalid(
            "Dòng đầu phải có các cột «ma_don_vi» và «dia_chi» (tùy chọn «loai», «ten»). Hãy dùng tệp mẫu.",
        ));
    };
    let kind_col = find(&["loai", "kind"]);
    let name_col = find(&["ten", "ten hien thi", "name"]);
    if table.len() > 5_001 {
        return Err(ServiceError::invalid("Mỗi lần nhập tối đa 5.000 dòng."));
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
        let unit = match state.store.unit_by_code(code).await? {
            Some(u) if authorize(&identity.permissions, Action::ManageSites, Target::Unit(&u.ancestry)) => u,
            _ => {
                report
                    .errors
                    .push((line, format!("Không có đơn vị mã «{code}» trong phạm vi bạn quản lý.")));
                continue;
            }
        };
        match parse_new_site(state, unit.id, cell(Some(url_col)), cell(kind_col), cell(name_col)).await {
            Ok(site) => {
                if !seen.insert(site.url.clone()) {
                    report
                        .duplicates
                        .push(format!("{} (lặp lại trong tệp, dòng {line})", site.url));
                    continue;
                }
                parsed.push((unit, site));
            }
            Err(errors) => {
                for (_, m) in errors {
                    report.errors.push((line, m));
                }
            }
        }
    }
    if !report.errors.is_empty() {
        return Ok(report);
    }
    for (unit, site) in parsed {
        match register(state, ctx, &unit, &site).await? {
            Registered::Added(s) => report.added.push(s.url),
            Registered::Duplicate(s) => report
                .duplicates
                .push(format!("{} (đã có, thuộc {})", s.url, s.unit_name)),
        }
    }
    Ok(report)
}
