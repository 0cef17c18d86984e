//! Evidence files on a case: screenshots of a scam message, a PDF of a defaced page, a letter.
//!
//! Never images of a child's body: the form says so before anything is chosen, and the sender
//! confirms it for every file. Such an image is itself a crime to keep or pass on; the case
//! records where it was seen (a link) and the police take it from there.

use lanhmang_domain::Role;
use lanhmang_domain::activity::clean_file_name;
use lanhmang_domain::activity::{EvidenceType, sniff_evidence};
use lanhmang_store::incident_attachments::Attachment;

use super::{details_visible, handler_role, visible_case};
use crate::activities::Upload;
use crate::{Actor, App, AppError, Problem, Result};

/// Most files one case keeps.
pub const MAX_CASE_FILES: i64 = 10;

/// Whether `actor` may add files to this case: its handlers, and the staff member who reported
/// it (a parent representative reports in words and links only), while the case is open.
pub(super) fn may_attach(actor: &Actor, i: &lanhmang_store::incidents::Incident) -> bool {
    let staff_reporter = i.reporter_id == Some(actor.person.id)
        && actor
            .grants
            .iter()
            .any(|g| !matches!(g.role, Role::ParentRep | Role::Parent | Role::SystemAdmin));
    i.purged_at.is_none() && i.state.is_open() && (handler_role(actor, i).is_some() || staff_reporter)
}

/// Whether the case page offers the file form to `actor`.
pub async fn may_add_files(app: &App, actor: &Actor, id: i64) -> Result<bool> {
    let incident = visible_case(app, actor, id).await?;
    Ok(details_visible(actor, &incident) && may_attach(actor, &incident))
}

/// Adds one file to a case. `confirmed`: the sender ticked that the file shows no child's body.
/// Every problem is listed and nothing is written when there is one.
pub async fn attach(app: &App, actor: &Actor, id: i64, upload: Upload, confirmed: bool) -> Result<Attachment> {
    let incident = visible_case(app, actor, id).await?;
    if !details_visible(actor, &incident) || !may_attach(actor, &incident) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Vec::new();
    if !confirmed {
        problems.push(Problem::at(
            "confirm",
            "Hãy xác nhận tệp không có hình ảnh thân thể trẻ em trước khi gửi.",
        ));
    }
    let kind = if upload.name.trim().is_empty() && upload.bytes.is_empty() && !upload.too_large {
        problems.push(Problem::at("file", "Chọn một tệp để gửi."));
        None
    } else if upload.too_large {
        problems.push(Problem::at(
            "file",
            lanhmang_domain::activity::EvidenceError::TooLarge(clean_file_name(&upload.name)).to_string(),
        ));
        None
    } else {
        match sniff_evidence(&upload.name, &upload.bytes) {
            Ok(kind) => Some(kind),
            Err(e) => {
                problems.push(Problem::at("file", e.to_string()));
                None
            }
        }
    };
    let Some(kind) = kind.filter(|_| problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    let name = clean_file_name(&upload.name);
    Ok(app
        .store
        .add_incident_attachment(
            &actor.audit(),
            incident.id,
            &name,
            kind.content_type(),
            &upload.bytes,
            MAX_CASE_FILES,
        )
        .await?)
}

/// The files of a case, for those who may read its details.
pub async fn files(app: &App, actor: &Actor, id: i64) -> Result<Vec<Attachment>> {
    let incident = visible_case(app, actor, id).await?;
    if !details_visible(actor, &incident) {
        return Ok(Vec::new());
    }
    Ok(app.store.incident_attachments(incident.id).await?)
}

/// One file with its content and its checked type, for those who may read the case's details;
/// opening a restricted case's file is recorded like opening the case.
pub async fn file(app: &App, actor: &Actor, id: i64, file_id: i64) -> Result<(Attachment, EvidenceType, Vec<u8>)> {
    let incident = visible_case(app, actor, id).await?;
    if !details_visible(actor, &incident) {
        return Err(AppError::NotFound);
    }
    let (meta, bytes) = app
        .store
        .incident_attachment(incident.id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Only the types checked on upload are served, as themselves.
    let kind = EvidenceType::from_content_type(&meta.content_type).ok_or(AppError::NotFound)?;
    if incident.restricted {
        app.store.record_incident_view(incident.id, actor.person.id).await?;
    }
    Ok((meta, kind, bytes))
}
