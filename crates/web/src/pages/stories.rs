//! Exemplary stories for staff (`/cau-chuyen`): the list, writing one, and a story's page with
//! its photos, the consents of its people (the printable form, the signed scan, asking a parent
//! in the app, a withdrawal), and approval per purpose. A parent answers on `/gia-dinh/cau-chuyen/{id}`.
//! Rules live in `lanhmang_app::stories`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::stories::{self as service, RawConsent, StoryView};
use lanhmang_domain::story::{GivenBy, MAX_SUBJECTS, Purpose, RawSubject, SubjectKind, consents_needed};
use serde::Deserialize;

use super::{PageForm, one, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::format::date_time;
use crate::layout::{FieldErrors, Layout, Pager, render, render_form};

/// How many people rows the writing form offers.
const FORM_ROWS: usize = 4;

fn layout(title: impl Into<String>, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, "/cau-chuyen");
    layout.notice = notice.and_then(|code| match code {
        "da-luu" => Some("Đã lưu câu chuyện. Hãy in phiếu đồng ý cho từng người rồi ghi lại sự đồng ý của họ."),
        "da-ghi" => Some("Đã ghi sự đồng ý."),
        "da-rut" => Some("Đã ghi việc rút lại sự đồng ý; câu chuyện đã được gỡ khỏi nơi không còn đủ đồng ý."),
        "da-dang" => Some("Đã duyệt đăng câu chuyện."),
        "da-them-anh" => Some("Đã thêm ảnh (đã xóa thông tin vị trí và máy chụp trong ảnh)."),
        "da-go-anh" => Some("Đã gỡ và xóa ảnh."),
        "da-hoi" => Some("Đã gửi đề nghị đến tài khoản cha mẹ; cha mẹ trả lời trên trang Gia đình."),
        _ => None,
    });
    layout
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<String>,
    per_page: Option<String>,
    tb: Option<String>,
}

pub struct ListRow {
    id: i64,
    title: String,
    unit_name: String,
    created: String,
    published: String,
}

#[derive(Template)]
#[template(path = "story_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ListRow>,
    may_write: bool,
    pager: Pager,
    /// (code, name, views in 30 days) of the public pages the person's stories go to.
    pages: Vec<(String, String, i64)>,
}

fn purposes_text(joined: &str) -> String {
    let mut labels: Vec<&str> = joined
        .split(',')
        .filter_map(Purpose::parse)
        .map(Purpose::label)
        .collect();
    labels.sort_unstable();
    if labels.is_empty() {
        "Chưa đăng".into()
    } else {
        labels.join("; ")
    }
}

pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let (items, total) = service::list(&state.app, &identity, paging).await?;
    let may_write = !service::writing_units(&state.app, &identity).await?.is_empty();
    render(&ListPage {
        layout: layout("Câu chuyện đẹp", &identity, q.tb.as_deref()),
        rows: items
            .iter()
            .map(|s| ListRow {
                id: s.id,
                title: s.title.clone(),
                unit_name: s.unit_name.clone(),
                created: date_time(s.created_at),
                published: purposes_text(&s.published),
            })
            .collect(),
        may_write,
        pager: Pager::new("/cau-chuyen", &[], paging, total),
        pages: service::public_pages(&state.app, &identity)
            .await?
            .into_iter()
            .map(|(u, views)| (u.code, u.name, views))
            .collect(),
    })
}

/// A row of the people table in the writing form.
#[derive(Default)]
pub struct SubjectField {
    n: usize,
    kind: String,
    name: String,
    age: String,
    error: String,
}

#[derive(Template)]
#[template(path = "story_form.html")]
struct FormPage {
    layout: Layout,
    units: Vec<(i64, String)>,
    unit_id: String,
    title: String,
    body: String,
    subjects: Vec<SubjectField>,
    kinds: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
}

async fn form_page(
    state: &AppState,
    identity: &Identity,
    fields: &[(String, String)],
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let units = service::writing_units(&state.app, identity).await?;
    if units.is_empty() {
        return Err(AppError::Forbidden);
    }
    let subjects = (1..=FORM_ROWS)
        .map(|n| {
            let mut row_errors: Vec<&str> = ["kind", "name", "age"]
                .iter()
                .filter_map(|f| errors.get(&format!("subjects.{n}.{f}")))
                .collect();
            row_errors.dedup();
            SubjectField {
                n,
                kind: one(fields, &format!("kind_{n}")),
                name: one(fields, &format!("name_{n}")),
                age: one(fields, &format!("age_{n}")),
                error: row_errors.join(" "),
            }
        })
        .collect();
    let invalid = !errors.is_empty();
    render_form(
        &FormPage {
            layout: layout("Viết câu chuyện", identity, None),
            units: units.into_iter().map(|u| (u.id, u.name)).collect(),
            unit_id: one(fields, "unit_id"),
            title: one(fields, "title"),
            body: one(fields, "body"),
            subjects,
            kinds: SubjectKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
            errors,
        },
        invalid,
    )
}

pub async fn new_form(State(state): State<AppState>, identity: Identity) -> Result<Response, AppError> {
    form_page(&state, &identity, &[], FieldErrors::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let mut subjects = Vec::new();
    for n in 1..=FORM_ROWS.min(MAX_SUBJECTS) {
        let age_raw = one(&fields, &format!("age_{n}"));
        let age = match age_raw.trim() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(a) => Some(a),
                Err(_) => {
                    errors.add(
                        &format!("subjects.{n}.age"),
                        format!("Người thứ {n}: tuổi phải là một số."),
                    );
                    None
                }
            },
        };
        subjects.push(RawSubject {
            kind: one(&fields, &format!("kind_{n}")),
            name: one(&fields, &format!("name_{n}")),
            age,
        });
    }
    let unit_id = one(&fields, "unit_id").trim().parse::<i64>().ok();
    let units = service::writing_units(&state.app, &identity).await?;
    let unit_id = match (unit_id, units.as_slice()) {
        (Some(id), _) => id,
        (None, [only]) => only.id,
        _ => {
            errors.add("unit_id", "Hãy chọn trường của câu chuyện.");
            0
        }
    };
    if !errors.is_empty() {
        // Show every other problem with it too, as the story's own checks see them.
        if let Err(problems) =
            lanhmang_domain::story::parse_story(&one(&fields, "title"), &one(&fields, "body"), &subjects)
        {
            for p in problems {
                if errors.get(&p.field).is_none() {
                    errors.add(&p.field, p.message);
                }
            }
        }
        return form_page(&state, &identity, &fields, errors).await;
    }
    match service::create(
        &state.app,
        &identity,
        unit_id,
        &one(&fields, "title"),
        &one(&fields, "body"),
        &subjects,
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/cau-chuyen/{id}?tb=da-luu")).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            form_page(&state, &identity, &fields, super::field_errors(&problems)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A consent as the story's page lists it.
pub struct ConsentRow {
    id: i64,
    text: String,
    recorded: String,
    has_scan: bool,
    withdrawn: String,
}

/// A person of the story with their consents.
pub struct PersonBlock {
    id: i64,
    name: String,
    kind: String,
    needs: String,
    is_pupil: bool,
    asked: String,
    consents: Vec<ConsentRow>,
}

pub struct PurposeRow {
    value: &'static str,
    label: &'static str,
    published: bool,
    missing: Vec<String>,
    may_approve: bool,
}

#[derive(Template)]
#[template(path = "story_show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    title: String,
    unit_name: String,
    unit_code: String,
    author: String,
    created: String,
    paragraphs: Vec<String>,
    may_write: bool,
    photos: Vec<(i64, String, bool)>,
    people: Vec<PersonBlock>,
    purposes: Vec<PurposeRow>,
    parents: Vec<(i64, String)>,
    purpose_choices: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
}

fn given_by_label(g: GivenBy, kind: SubjectKind) -> &'static str {
    match g {
        GivenBy::Parent => "Cha mẹ",
        GivenBy::Themself if kind == SubjectKind::Pupil => "Chính em",
        GivenBy::Themself => "Chính người đó",
    }
}

async fn show_page(
    state: &AppState,
    identity: &Identity,
    id: i64,
    notice: Option<&str>,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let view: StoryView = service::get(&state.app, identity, id).await?;
    let s = &view.story;
    let unit_code = state
        .app
        .store
        .unit(s.unit_id)
        .await
        .map_err(lanhmang_app::AppError::from)?
        .map(|u| u.code)
        .unwrap_or_default();
    let parents = if view.may_write && s.subjects.iter().any(|p| p.kind == SubjectKind::Pupil) {
        service::askable_parents(&state.app, identity, id)
            .await?
            .into_iter()
            .map(|(pid, name, class)| (pid, format!("{name} (lớp {class})")))
            .collect()
    } else {
        Vec::new()
    };
    let people = s
        .subjects
        .iter()
        .map(|p| PersonBlock {
            id: p.id,
            name: p.name.clone(),
            kind: match p.age {
                Some(age) => format!("{}, {age} tuổi", p.kind.label()),
                None => p.kind.label().to_string(),
            },
            needs: consents_needed(p.kind, p.age)
                .into_iter()
                .map(|g| given_by_label(g, p.kind).to_lowercase())
                .collect::<Vec<_>>()
                .join(" và "),
            is_pupil: p.kind == SubjectKind::Pupil,
            asked: s
                .asked_parents
                .iter()
                .find(|a| a.subject_id == p.id)
                .map(|a| a.parent_name.clone())
                .unwrap_or_default(),
            consents: s
                .consents
                .iter()
                .filter(|c| c.subject_id == p.id)
                .map(|c| ConsentRow {
                    id: c.id,
                    text: format!(
                        "{} đồng ý: {}{}",
                        given_by_label(c.given_by, p.kind),
                        c.purpose.label().to_lowercase(),
                        if c.method == "app" {
                            " (trên ứng dụng)"
                        } else {
                            " (phiếu giấy)"
                        }
                    ),
                    recorded: format!("{}, {}", c.recorded_by, date_time(c.recorded_at)),
                    has_scan: c.scan_file_name.is_some(),
                    withdrawn: c.withdrawn_at.map(date_time).unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    let purposes = view
        .purposes
        .iter()
        .map(|p| PurposeRow {
            value: p.purpose.as_str(),
            label: p.purpose.label(),
            published: p.published,
            missing: p.missing.iter().map(|m| m.describe()).collect(),
            may_approve: p.may_approve,
        })
        .collect();
    let invalid = !errors.is_empty();
    render_form(
        &ShowPage {
            layout: layout(s.title.clone(), identity, notice),
            id: s.id,
            title: s.title.clone(),
            unit_name: s.unit_name.clone(),
            unit_code,
            author: s.author_name.clone(),
            created: date_time(s.created_at),
            paragraphs: s
                .body
                .split("\n\n")
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            may_write: view.may_write,
            photos: s
                .photos
                .iter()
                .map(|f| (f.id, f.caption.clone(), f.deleted_at.is_some()))
                .collect(),
            people,
            purposes,
            parents,
            purpose_choices: Purpose::ALL.iter().map(|p| (p.as_str(), p.label())).collect(),
            errors,
        },
        invalid,
    )
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
    show_page(
        &state,
        &identity,
        parse_id(&id)?,
        q.tb.as_deref(),
        FieldErrors::default(),
    )
    .await
}

/// Answers a form of the story's page: back to the page with a notice, or the page again with
/// the problems beside their fields (nothing written).
async fn after(
    state: &AppState,
    identity: &Identity,
    id: i64,
    done: &str,
    result: Result<(), lanhmang_app::AppError>,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/cau-chuyen/{id}?tb={done}")).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            show_page(state, identity, id, None, super::field_errors(&problems)).await
        }
        Err(lanhmang_app::AppError::Conflict(message)) => {
            let mut errors = FieldErrors::default();
            errors.add("form", message);
            let mut page = show_page(state, identity, id, None, errors).await?;
            *page.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(page)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_consent(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let (fields, files) =
        super::activities::read_fields_and_files(multipart, "form", lanhmang_domain::story::MAX_FORM_BYTES).await?;
    let form = match files.into_iter().next() {
        Some(f) if f.too_large => {
            let mut errors = FieldErrors::default();
            errors.add(
                "form",
                "Tệp phiếu đã ký lớn quá 1,4 MB; hãy chụp lại với độ phân giải thấp hơn.",
            );
            return show_page(&state, &identity, id, None, errors).await;
        }
        Some(f) => Some((f.name, f.bytes)),
        None => None,
    };
    let raw = RawConsent {
        subject_id: one(&fields, "subject").trim().parse().ok(),
        given_by: one(&fields, "given_by"),
        purpose: one(&fields, "purpose"),
        note: one(&fields, "note"),
        form,
    };
    let result = service::add_consent(&state.app, &identity, id, raw).await.map(|_| ());
    after(&state, &identity, id, "da-ghi", result).await
}

#[derive(Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(default)]
    note: String,
}

pub async fn withdraw(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, consent)): Path<(String, String)>,
    PageForm(form): PageForm<WithdrawForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = service::withdraw(&state.app, &identity, id, parse_id(&consent)?, &form.note)
        .await
        .map(|_| ());
    after(&state, &identity, id, "da-rut", result).await
}

#[derive(Deserialize, Default)]
pub struct PublishForm {
    #[serde(default)]
    purpose: String,
}

pub async fn publish(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<PublishForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = service::publish(&state.app, &identity, id, &form.purpose).await;
    after(&state, &identity, id, "da-dang", result).await
}

#[derive(Deserialize, Default)]
pub struct AskForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    parent: String,
}

pub async fn ask_parent(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<AskForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let subject = form.subject.trim().parse::<i64>().unwrap_or(0);
    let parent = match form.parent.trim() {
        "" => None,
        raw => Some(raw.parse::<i64>().unwrap_or(0)),
    };
    let result = service::ask_parent(&state.app, &identity, id, subject, parent).await;
    after(&state, &identity, id, "da-hoi", result).await
}

pub async fn add_photo(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let (fields, files) =
        super::activities::read_fields_and_files(multipart, "photo", lanhmang_app::photos::MAX_PHOTO_BYTES).await?;
    let result = match files.into_iter().next() {
        Some(f) if f.too_large => Err(lanhmang_app::AppError::Invalid(vec![lanhmang_app::Problem::at(
            "photo",
            "Ảnh lớn quá 8 MB; hãy chọn ảnh nhỏ hơn.",
        )])),
        Some(f) => service::add_photo(&state.app, &identity, id, &one(&fields, "caption"), f.bytes)
            .await
            .map(|_| ()),
        None => Err(lanhmang_app::AppError::Invalid(vec![lanhmang_app::Problem::at(
            "photo",
            "Hãy chọn một tệp ảnh.",
        )])),
    };
    after(&state, &identity, id, "da-them-anh", result).await
}

pub async fn remove_photo(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = service::remove_photo(&state.app, &identity, id, parse_id(&photo)?).await;
    after(&state, &identity, id, "da-go-anh", result).await
}

/// A JPEG for signed-in readers only: never kept by a shared cache.
fn jpeg(bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

pub async fn photo(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let bytes = service::photo(&state.app, &identity, parse_id(&id)?, parse_id(&photo)?, true).await?;
    Ok(jpeg(bytes))
}

pub async fn consent_scan(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, consent)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (name, content_type, bytes) =
        service::consent_form(&state.app, &identity, parse_id(&id)?, parse_id(&consent)?).await?;
    let content_type: &'static str = match content_type.as_str() {
        "application/pdf" => "application/pdf",
        "image/png" => "image/png",
        _ => "image/jpeg",
    };
    super::documents::attachment(bytes, content_type, &name)
}

/// The printable consent form of one person of the story, as PDF or Word.
pub async fn consent_document(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, subject, format)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let doc = service::consent_document(&state.app, &identity, parse_id(&id)?, parse_id(&subject)?).await?;
    let name = format!("Phieu dong y - {}", doc.subtitle);
    match format.as_str() {
        "phieu.pdf" => {
            let bytes = super::documents::lay_out(move || lanhmang_export::pdf(&doc)).await?;
            super::documents::attachment(bytes, "application/pdf", &format!("{name}.pdf"))
        }
        "phieu.docx" => {
            let bytes = super::documents::lay_out(move || lanhmang_export::docx(&doc)).await?;
            super::documents::attachment(
                bytes,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                &format!("{name}.docx"),
            )
        }
        _ => Err(AppError::NotFound),
    }
}

// ---------------------------------------------------------------------------------------------
// A parent's answer, in the app.

#[derive(Template)]
#[template(path = "story_parent.html")]
struct ParentPage {
    layout: Layout,
    id: i64,
    title: String,
    unit_name: String,
    paragraphs: Vec<String>,
    photos: Vec<(i64, String)>,
    pupil: String,
    subject_id: i64,
    /// (purpose value, label, standing consent id of this parent)
    purposes: Vec<(&'static str, &'static str, Option<i64>)>,
}

fn parent_layout(title: String, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, "/gia-dinh");
    layout.notice = notice.and_then(|code| match code {
        "da-dong-y" => Some("Cảm ơn anh/chị. Đã ghi sự đồng ý."),
        "da-rut" => Some("Đã rút lại sự đồng ý. Câu chuyện đã được gỡ khỏi nơi không còn đủ đồng ý, cùng với ảnh."),
        _ => None,
    });
    layout
}

pub async fn parent_show(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let (story, request) = service::parent_view(&state.app, &identity, parse_id(&id)?).await?;
    render(&ParentPage {
        layout: parent_layout(story.title.clone(), &identity, q.tb.as_deref()),
        id: story.id,
        title: story.title.clone(),
        unit_name: story.unit_name.clone(),
        paragraphs: story
            .body
            .split("\n\n")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        photos: story
            .photos
            .iter()
            .filter(|p| p.deleted_at.is_none())
            .map(|p| (p.id, p.caption.clone()))
            .collect(),
        pupil: request.subject.name.clone(),
        subject_id: request.subject.id,
        purposes: Purpose::ALL
            .iter()
            .map(|p| {
                (
                    p.as_str(),
                    p.label(),
                    request
                        .consents
                        .iter()
                        .find(|c| c.purpose == *p && c.given_by == GivenBy::Parent && c.withdrawn_at.is_none())
                        .map(|c| c.id),
                )
            })
            .collect(),
    })
}

#[derive(Deserialize, Default)]
pub struct ParentAnswer {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    purpose: String,
}

pub async fn parent_consent(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<ParentAnswer>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let subject = form.subject.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
    service::parent_consent(&state.app, &identity, id, subject, &form.purpose).await?;
    Ok(Redirect::to(&format!("/gia-dinh/cau-chuyen/{id}?tb=da-dong-y")).into_response())
}

pub async fn parent_withdraw(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, consent)): Path<(String, String)>,
    PageForm(form): PageForm<ParentAnswer>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let subject = form.subject.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
    service::parent_withdraw(&state.app, &identity, id, subject, parse_id(&consent)?).await?;
    Ok(Redirect::to(&format!("/gia-dinh/cau-chuyen/{id}?tb=da-rut")).into_response())
}

pub async fn parent_photo(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, AppError> {
    Ok(jpeg(
        service::parent_photo(&state.app, &identity, parse_id(&id)?, parse_id(&photo)?).await?,
    ))
}
