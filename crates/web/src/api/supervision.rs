//! `/api/v1` for website supervision: sites, findings and "inspect now". Same rules as the
//! pages (crate::supervision): a school's website administrator sees that school's sites, an
//! office its subtree; anything else is a 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lanhmang_domain::Action;
use lanhmang_store::sites::{FindingFilter, Registered, Site, SiteFilter, SiteFinding};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{ApiIdentity, ApiJson, ApiQuery, ListJson, paging};
use crate::AppState;
use crate::auth::ClientIp;
use crate::error::ApiError;
use crate::pages::supervision::{parse_finding_state, parse_site_filters};
use crate::supervision as service;

fn id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or(ApiError::NotFound)
}

fn opt_id(raw: &Option<String>, name: &str) -> Result<Option<i64>, ApiError> {
    service::optional_id(raw, name).map_err(ApiError::BadRequest)
}

#[derive(Serialize)]
pub struct SiteJson {
    id: i64,
    unit_id: i64,
    unit_name: String,
    url: String,
    kind: &'static str,
    name: String,
    active: bool,
    status: String,
    reachable: Option<bool>,
    grade: Option<String>,
    score: Option<i64>,
    meets_standard: Option<bool>,
    compromised: bool,
    disclosure_gap: bool,
    open_findings: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    cert_expires_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    last_inspected_at: Option<time::OffsetDateTime>,
}

impl From<&Site> for SiteJson {
    fn from(s: &Site) -> SiteJson {
        SiteJson {
            id: s.id,
            unit_id: s.unit_id,
            unit_name: s.unit_name.clone(),
            url: s.url.clone(),
            kind: s.kind.as_str(),
            name: s.name.clone(),
            active: s.active,
            status: s.status.clone(),
            reachable: s.reachable,
            grade: s.grade.clone(),
            score: s.score,
            meets_standard: s.meets_standard,
            compromised: s.compromised,
            disclosure_gap: s.disclosure_gap,
            open_findings: s.open_findings,
            cert_expires_at: s.cert_expires_at,
            last_inspected_at: s.last_full_at,
        }
    }
}

#[derive(Serialize)]
pub struct FindingJson {
    id: i64,
    site_id: i64,
    site_url: String,
    unit_id: i64,
    code: String,
    title: String,
    severity: String,
    status: String,
    evidence: String,
    guide: String,
    #[serde(with = "time::serde::rfc3339")]
    first_seen_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    last_seen_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    resolved_at: Option<time::OffsetDateTime>,
    reopened: i64,
}

impl From<&SiteFinding> for FindingJson {
    fn from(f: &SiteFinding) -> FindingJson {
        FindingJson {
            id: f.id,
            site_id: f.site_id,
            site_url: f.site_url.clone(),
            unit_id: f.unit_id,
            code: f.code.clone(),
            title: lanhmang_domain::remediation::guide(&f.code)
                .map(|g| g.title.to_string())
                .unwrap_or_else(|| f.code.clone()),
            severity: f.severity.clone(),
            status: f.state.clone(),
            evidence: f.evidence.clone(),
            guide: format!("/huong-dan/{}", f.code),
            first_seen_at: f.first_seen_at,
            last_seen_at: f.last_seen_at,
            resolved_at: f.resolved_at,
            reopened: f.reopened,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct SitesQuery {
    unit_id: Option<String>,
    grade: Option<String>,
    status: Option<String>,
    problem: Option<String>,
    q: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn list_sites(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<SitesQuery>,
) -> Result<Json<ListJson<SiteJson>>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let (grade, status, problem) = parse_site_filters(q.grade.as_deref(), q.status.as_deref(), q.problem.as_deref())
        .map_err(ApiError::BadRequest)?;
    let unit = match opt_id(&q.unit_id, "unit_id")? {
        Some(id) => Some(service::unit_in_scope(&state, &identity, id, Action::ViewSites).await?),
        None => None,
    };
    let filter = SiteFilter {
        roots: service::view_roots(&identity),
        unit_ancestry: unit.map(|u| u.ancestry),
        grade,
        status,
        problem,
        q: q.q.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
    };
    let (sites, total) = state.store.list_sites(&filter, paging).await?;
    Ok(Json(ListJson {
        items: sites.iter().map(SiteJson::from).collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

#[derive(Deserialize)]
pub struct NewSiteJson {
    unit_id: i64,
    url: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

pub async fn create_site(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ip: ClientIp,
    ApiJson(body): ApiJson<NewSiteJson>,
) -> Result<Response, ApiError> {
    let unit = service::unit_in_scope(&state, &identity, body.unit_id, Action::ManageSites).await?;
    let site = service::parse_new_site(&state, unit.id, &body.url, &body.kind, &body.name)
        .await
        .map_err(|errors| ApiError::Unprocessable(errors.into_iter().map(|(_, m)| m).collect()))?;
    match service::register(&state, &identity.audit(&ip), &unit, &site).await? {
        Registered::Added(s) => Ok((StatusCode::CREATED, Json(SiteJson::from(&s))).into_response()),
        Registered::Duplicate(s) => Ok((
            StatusCode::CONFLICT,
            Json(json!({
                "error": {
                    "code": "duplicate",
                    "message": format!("Địa chỉ {} đã được đăng ký; không thêm lần nữa.", s.url),
                },
                // The existing registration is named only to those who may see it.
                "site_id": lanhmang_domain::authorize(
                    &identity.permissions,
                    Action::ViewSites,
                    lanhmang_domain::Target::Unit(&s.ancestry),
                )
                .then_some(s.id),
            })),
        )
            .into_response()),
    }
}

#[derive(Serialize)]
pub struct SiteDetailJson {
    #[serde(flatten)]
    site: SiteJson,
    latest: Option<serde_json::Value>,
    findings: Vec<FindingJson>,
}

pub async fn site(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<SiteDetailJson>, ApiError> {
    let site = service::visible_site(&state, &identity, id(&raw)?, Action::ViewSites).await?;
    let (open, _) = state
        .store
        .list_findings(
            &FindingFilter {
                roots: site.ancestry.clone(),
                site_id: Some(site.id),
                ..Default::default()
            },
            lanhmang_domain::Paging { page: 1, per_page: 500 },
        )
        .await?;
    let latest = state
        .store
        .site_runs(site.id, false, 1)
        .await?
        .into_iter()
        .next()
        .map(|r| {
            json!({
                "id": r.id,
                "mode": r.mode,
                "finished_at": lanhmang_store::format_time(r.finished_at),
                "reachable": r.reachable,
                "http_status": r.http_status,
                "grade": r.grade,
                "score": r.score,
                "pages_checked": r.pages_checked,
                "broken_links": r.broken_links,
                "findings": r.findings,
                "meets_standard": r.meets_standard,
            })
        });
    Ok(Json(SiteDetailJson {
        site: SiteJson::from(&site),
        latest,
        findings: open.iter().map(FindingJson::from).collect(),
    }))
}

#[derive(Deserialize, Default)]
pub struct FindingsQuery {
    site_id: Option<String>,
    unit_id: Option<String>,
    status: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn list_findings(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<FindingsQuery>,
) -> Result<Json<ListJson<FindingJson>>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let status = parse_finding_state(q.status.as_deref()).map_err(ApiError::BadRequest)?;
    let unit = match opt_id(&q.unit_id, "unit_id")? {
        Some(id) => Some(service::unit_in_scope(&state, &identity, id, Action::ViewSites).await?),
        None => None,
    };
    let site_id = match opt_id(&q.site_id, "site_id")? {
        Some(id) => Some(
            service::visible_site(&state, &identity, id, Action::ViewSites)
                .await?
                .id,
        ),
        None => None,
    };
    let (rows, total) = state
        .store
        .list_findings(
            &FindingFilter {
                roots: service::view_roots(&identity),
                unit_ancestry: unit.map(|u| u.ancestry),
                site_id,
                state: status,
            },
            paging,
        )
        .await?;
    Ok(Json(ListJson {
        items: rows.iter().map(FindingJson::from).collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

async fn move_finding(
    state: AppState,
    identity: crate::auth::Identity,
    ip: ClientIp,
    raw: String,
    fixed: bool,
) -> Result<Json<FindingJson>, ApiError> {
    let f = service::move_finding(&state, &identity, &identity.audit(&ip), id(&raw)?, fixed).await?;
    Ok(Json(FindingJson::from(&f)))
}

pub async fn acknowledge(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ip: ClientIp,
    Path(raw): Path<String>,
) -> Result<Json<FindingJson>, ApiError> {
    move_finding(state, identity, ip, raw, false).await
}

pub async fn fixed(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ip: ClientIp,
    Path(raw): Path<String>,
) -> Result<Json<FindingJson>, ApiError> {
    move_finding(state, identity, ip, raw, true).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectJson {
    site_id: Option<i64>,
    unit_id: Option<i64>,
}

pub async fn create_inspection(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ip: ClientIp,
    ApiJson(body): ApiJson<InspectJson>,
) -> Result<Response, ApiError> {
    let request = service::inspect_now(&state, &identity, &identity.audit(&ip), body.site_id, body.unit_id).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "id": request }))).into_response())
}

pub async fn inspection(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let p = service::progress(&state, &identity, id(&raw)?).await?;
    Ok(Json(json!({
        "id": p.id,
        "unit_id": p.unit_id,
        "site_id": p.site_id,
        "status": if p.finished { "done" } else { "running" },
        "total": p.total,
        "done": p.done,
        "progress": if p.total > 0 { p.done as f64 / p.total as f64 } else { 1.0 },
        "created_at": lanhmang_store::format_time(p.created_at),
    })))
}
