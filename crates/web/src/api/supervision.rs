//! `/api/v1` for website supervision: sites, findings and "inspect now". Same rules as the
//! pages (`lanhmang_app::supervision`): a school's website administrator sees that school's
//! sites, an office its subtree; anything else is a 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lanhmang_app::supervision::findings::{
    self as sup_findings, Move, RawFindingFilter, finding_summary, finding_title,
};
use lanhmang_app::supervision::inspection::{self as sup_inspection, InspectTarget};
use lanhmang_app::supervision::registry::{self as sup_registry, RawSiteFilter, Registration};
use lanhmang_app::supervision::{self as service};
use lanhmang_domain::Action;
use lanhmang_store::sites::{Site, SiteFinding};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{ApiIdentity, ApiJson, ApiQuery, ListJson, paging};
use crate::AppState;
use crate::error::ApiError;

fn id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or(ApiError::NotFound)
}

fn opt_id(raw: &Option<String>, name: &str) -> Result<Option<i64>, ApiError> {
    service::optional_id(raw, name).map_err(ApiError::BadRequest)
}

/// A malformed list filter is a 400, as documented; scope answers stay 404.
fn filter_error(e: lanhmang_app::AppError) -> ApiError {
    match e {
        lanhmang_app::AppError::Invalid(problems) => {
            ApiError::BadRequest(lanhmang_app::error::messages(&problems).join(" "))
        }
        other => other.into(),
    }
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
    /// The headline state (worst open finding, reachability, verdict), before any grade.
    state: &'static str,
    state_label: &'static str,
    status: String,
    reachable: Option<bool>,
    /// The server's security-header grade: one check among many.
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
            state: s.state.as_str(),
            state_label: s.state.label(),
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
    /// What the finding means, in one plain sentence; `evidence` is the technical detail.
    summary: String,
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
            summary: finding_summary(&f.code, &f.evidence),
            title: finding_title(&f.code),
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
    state: Option<String>,
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
    let raw = RawSiteFilter {
        unit_id: opt_id(&q.unit_id, "unit_id")?,
        grade: q.grade,
        status: q.status,
        problem: q.problem,
        state: q.state,
        q: q.q,
    };
    let (filter, _) = sup_registry::site_filter(&state.app, &identity, &raw)
        .await
        .map_err(filter_error)?;
    let (sites, total) = sup_registry::list_sites(&state.app, &filter, paging).await?;
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
    ApiJson(body): ApiJson<NewSiteJson>,
) -> Result<Response, ApiError> {
    match sup_registry::create_site(&state.app, &identity, body.unit_id, &body.url, &body.kind, &body.name).await? {
        Registration::Added(s) => Ok((StatusCode::CREATED, Json(SiteJson::from(&s))).into_response()),
        Registration::Duplicate { site: s, visible } => Ok((
            StatusCode::CONFLICT,
            Json(json!({
                "error": {
                    "code": "duplicate",
                    "message": format!("Địa chỉ {} đã được đăng ký; không thêm lần nữa.", s.url),
                },
                // The existing registration is named only to those who may see it.
                "site_id": visible.then_some(s.id),
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
    let site = service::visible_site(&state.app, &identity, id(&raw)?, Action::ViewSites).await?;
    let open = sup_findings::site_findings(&state.app, &site, None, 500).await?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringJson {
    active: bool,
    reason: String,
}

/// The office stops or resumes following a site, with a reason (audited).
pub async fn set_monitoring(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<MonitoringJson>,
) -> Result<Json<SiteJson>, ApiError> {
    let site = sup_registry::set_monitoring(&state.app, &identity, id(&raw)?, body.active, &body.reason).await?;
    Ok(Json(SiteJson::from(&site)))
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
    let raw = RawFindingFilter {
        unit_id: opt_id(&q.unit_id, "unit_id")?,
        site_id: opt_id(&q.site_id, "site_id")?,
        state: q.status,
    };
    let (filter, _) = sup_findings::finding_filter(&state.app, &identity, &raw)
        .await
        .map_err(filter_error)?;
    let (rows, total) = sup_findings::list_findings(&state.app, &filter, paging).await?;
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
    raw: String,
    to: Move,
) -> Result<Json<FindingJson>, ApiError> {
    let f = sup_findings::move_finding(&state.app, &identity, id(&raw)?, to).await?;
    Ok(Json(FindingJson::from(&f)))
}

pub async fn acknowledge(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<FindingJson>, ApiError> {
    move_finding(state, identity, raw, Move::Acknowledge).await
}

pub async fn fixed(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<FindingJson>, ApiError> {
    move_finding(state, identity, raw, Move::Fixed).await
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
    ApiJson(body): ApiJson<InspectJson>,
) -> Result<Response, ApiError> {
    let target = InspectTarget::from_ids(body.site_id, body.unit_id).map_err(filter_error)?;
    let request = sup_inspection::inspect_now(&state.app, &identity, target).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "id": request }))).into_response())
}

pub async fn inspection(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let p = sup_inspection::progress(&state.app, &identity, id(&raw)?).await?;
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
