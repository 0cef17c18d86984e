//! The JSON API under `/api/v1`: bearer tokens, the same permissions as the pages.

pub mod incidents;
pub mod lessons;
pub mod news;
pub mod notices;
pub mod openapi;
pub mod parents;
pub mod stories;
pub mod supervision;
pub mod trainings;
pub mod webhooks;
pub mod yearly;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use lanhmang_domain::paging::PagingQuery;
use lanhmang_domain::{Paging, SchoolLevel, UnitKind, UnitStatus};
use lanhmang_store::{Unit, UnitFilter};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{ClientIp, Identity, LoginError, attempt_login, new_token, token_hash};
use crate::error::ApiError;

/// A JSON body; anything malformed is a 400 with a message, never a 500.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(v)) => parse_body(v).map(ApiJson),
            Err(JsonRejection::BytesRejection(_)) => Err(ApiError::PayloadTooLarge),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::BadRequest(
                "Cần tiêu đề Content-Type: application/json.".into(),
            )),
            Err(e) => Err(ApiError::BadRequest(format!(
                "Nội dung JSON không hợp lệ: {}",
                e.body_text()
            ))),
        }
    }
}

/// JSON has one kind of number: `5.0` is the integer 5 (Python's json writes it so), and a
/// client sending it for an id or a count means 5. Whole numbers become integers before the
/// body is read into its type.
fn parse_body<T: DeserializeOwned>(mut value: serde_json::Value) -> Result<T, ApiError> {
    whole_numbers_as_integers(&mut value);
    serde_json::from_value(value).map_err(|e| ApiError::BadRequest(format!("Nội dung JSON không hợp lệ: {e}")))
}

fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
                if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
                    *n = serde_json::Number::from(f as i64);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        serde_json::Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// A JSON body that may be left out: an empty body is `None`; anything else must be valid JSON.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::PayloadTooLarge)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("Nội dung JSON không hợp lệ: {e}")))?;
        parse_body(value).map(|v| OptionalJson(Some(v)))
    }
}

/// Identity for API handlers, rejecting with a JSON 401.
pub struct ApiIdentity(pub Identity);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ApiIdentity {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Identity>()
            .cloned()
            .map(ApiIdentity)
            .ok_or(ApiError::Unauthorized)
    }
}

#[derive(Deserialize)]
pub struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize)]
pub struct LoginResponse {
    token: String,
    token_type: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: time::OffsetDateTime,
}

pub async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    match attempt_login(&state, &req.username, &req.password, &ip).await {
        // A password an administrator set is a temporary one: it opens the web page where it
        // is replaced, nothing else.
        Ok(person) if person.must_change_password => Err(ApiError::PasswordChangeRequired),
        Ok(person) => {
            let token = new_token();
            let expires_at = state
                .store
                .create_api_token(person.id, &token_hash(&token), "api", state.config.api_token_lifetime)
                .await?;
            Ok(Json(LoginResponse {
                token,
                token_type: "Bearer",
                expires_at,
            }))
        }
        Err(LoginError::BadCredentials) => Err(ApiError::BadCredentials),
        Err(LoginError::Throttled { until }) => Err(ApiError::Throttled {
            wait_seconds: LoginError::wait_seconds(until),
        }),
        Err(LoginError::Store(e)) => Err(e.into()),
    }
}

pub async fn logout(State(state): State<AppState>, ApiIdentity(identity): ApiIdentity) -> Result<Response, ApiError> {
    if let Some(hash) = &identity.api_token_hash {
        state.store.revoke_api_token(hash).await?;
    }
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize)]
pub struct RoleJson {
    role: &'static str,
    unit_id: i64,
}

#[derive(Serialize)]
pub struct MeJson {
    id: i64,
    username: String,
    display_name: String,
    email: Option<String>,
    phone: Option<String>,
    unit_id: i64,
    roles: Vec<RoleJson>,
}

pub async fn me(ApiIdentity(identity): ApiIdentity) -> Json<MeJson> {
    let p = identity.person.clone();
    Json(MeJson {
        id: p.id,
        username: p.username,
        display_name: p.display_name,
        email: p.email,
        phone: p.phone,
        unit_id: p.unit_id,
        roles: identity
            .grants
            .iter()
            .map(|g| RoleJson {
                role: g.role.as_str(),
                unit_id: g.unit_id,
            })
            .collect(),
    })
}

#[derive(Serialize)]
pub struct UnitJson {
    id: i64,
    name: String,
    kind: &'static str,
    parent_id: Option<i64>,
    code: String,
    school_level: Option<&'static str>,
    status: &'static str,
    address: String,
    websites: Vec<String>,
}

impl From<Unit> for UnitJson {
    fn from(u: Unit) -> UnitJson {
        UnitJson {
            id: u.id,
            kind: u.kind.as_str(),
            parent_id: u.parent_id,
            school_level: u.school_level.map(SchoolLevel::as_str),
            status: u.status.as_str(),
            name: u.name,
            code: u.code,
            address: u.address,
            websites: u.websites,
        }
    }
}

#[derive(Serialize)]
pub struct ListJson<T> {
    items: Vec<T>,
    total: i64,
    page: u32,
    per_page: u32,
}

#[derive(Deserialize, Default)]
pub struct UnitsQuery {
    page: Option<String>,
    per_page: Option<String>,
    q: Option<String>,
    kind: Option<String>,
    school_level: Option<String>,
    status: Option<String>,
}

fn paging(page: &Option<String>, per_page: &Option<String>) -> Result<Paging, ApiError> {
    // A form may leave a number blank; an API caller that sends `page=` sent no number.
    for (name, value) in [("page", page), ("per_page", per_page)] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(ApiError::BadRequest(format!("Tham số {name} phải là một số.")));
        }
    }
    Paging::parse(&PagingQuery {
        page: page.clone(),
        per_page: per_page.clone(),
    })
    .map_err(|e| ApiError::BadRequest(e.to_string()))
}

fn filter_value<T>(raw: &Option<String>, parse: fn(&str) -> Option<T>, name: &str) -> Result<Option<T>, ApiError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => parse(v)
            .map(Some)
            .ok_or_else(|| ApiError::BadRequest(format!("Giá trị {name} không hợp lệ: {v}"))),
    }
}

/// `Query` whose rejection is a JSON 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e| ApiError::BadRequest(format!("Tham số không hợp lệ: {}", e.body_text())))
    }
}

pub async fn units(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<UnitsQuery>,
) -> Result<Json<ListJson<UnitJson>>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let filter = UnitFilter {
        query: q.q.clone().filter(|s| !s.trim().is_empty()),
        kind: filter_value(&q.kind, UnitKind::parse, "kind")?,
        school_level: filter_value(&q.school_level, SchoolLevel::parse, "school_level")?,
        status: filter_value(&q.status, UnitStatus::parse, "status")?,
    };
    let list = lanhmang_app::units::list(&state.app, &identity, &filter, None, paging).await?;
    let (units, total) = (list.units, list.total);
    Ok(Json(ListJson {
        items: units.into_iter().map(UnitJson::from).collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

pub async fn unit(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(id): Path<String>,
) -> Result<Json<UnitJson>, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    // Out of scope looks the same as absent: ids do not reveal what exists elsewhere.
    let unit = lanhmang_app::units::visible_unit(&state.app, &identity, id).await?;
    Ok(Json(UnitJson::from(unit)))
}

#[derive(Serialize)]
pub struct PersonJson {
    id: i64,
    username: String,
    display_name: String,
    unit_id: i64,
    disabled: bool,
    roles: Vec<RoleJson>,
}

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    page: Option<String>,
    per_page: Option<String>,
    q: Option<String>,
}

pub async fn people(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> Result<Json<ListJson<PersonJson>>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let (people, total) = lanhmang_app::people::list(&state.app, &identity, q.q.as_deref(), paging).await?;
    let items = people
        .into_iter()
        .map(|s| PersonJson {
            roles: s
                .grants
                .iter()
                .map(|g| RoleJson {
                    role: g.role.as_str(),
                    unit_id: g.unit_id,
                })
                .collect(),
            id: s.person.id,
            username: s.person.username,
            display_name: s.person.display_name,
            unit_id: s.person.unit_id,
            disabled: s.person.disabled,
        })
        .collect();
    Ok(Json(ListJson {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn whole_numbers_are_read_as_integers() {
        let mut body = json!({"site_id": 2635746521496928.0, "n": [5.0, 5.5, -3.0], "big": 1e300});
        super::whole_numbers_as_integers(&mut body);
        assert_eq!(
            body,
            json!({"site_id": 2635746521496928_i64, "n": [5, 5.5, -3], "big": 1e300})
        );
    }
}
