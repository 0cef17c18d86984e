//! Clarifications (S2.3): the office or a principal writes the facts that answer a false claim
//! about the sector (from a false-information case or on its own), an office head above the
//! unit approves, and it is published at a public address and in the Atom feed. A withdrawn
//! clarification stays addressable, saying it was withdrawn and why. Facts, never opinions.

use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::{Action, Paging, Target};
use lanhmang_store::clarifications::{Clarification, ClarificationState, NewClarification};

use crate::{Actor, App, AppError, Problem, Result};

pub const MAX_TITLE: usize = 200;
pub const MAX_TEXT: usize = 6000;
pub const MAX_SOURCES: usize = 10;
pub const MAX_NEWS: usize = 10;

/// A clarification as typed.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub unit_id: Option<i64>,
    pub incident_id: Option<i64>,
    pub title: String,
    pub claim: String,
    pub facts: String,
    pub sources: Vec<String>,
    pub news_ids: Vec<i64>,
}

fn text(field: &str, raw: &str, what: &str, max: usize, problems: &mut Vec<Problem>) -> String {
    let t = raw.trim().to_string();
    if t.is_empty() {
        problems.push(Problem::at(field, format!("Hãy ghi {what}.")));
    } else if t.chars().count() > max {
        problems.push(Problem::at(field, format!("{what} dài quá {max} ký tự.")));
    }
    t
}

/// Writes a draft for a unit the person writes for; it waits for an office head's approval.
pub async fn create(app: &App, actor: &Actor, draft: Draft) -> Result<Clarification> {
    let mut problems = Vec::new();
    let unit = match draft.unit_id.filter(|id| *id > 0) {
        Some(id) => {
            let unit = app.store.unit(id).await?.ok_or(AppError::NotFound)?;
            let target = Target::Unit(&unit.ancestry);
            if !actor.may(Action::WriteClarifications, target) {
                return Err(if actor.may(Action::ViewUnit, target) {
                    AppError::Forbidden
                } else {
                    AppError::NotFound
                });
            }
            Some(unit)
        }
        None => {
            problems.push(Problem::at("unit_id", "Hãy chọn đơn vị đính chính."));
            None
        }
    };
    let title = text("title", &draft.title, "tiêu đề", MAX_TITLE, &mut problems);
    let claim = text(
        "claim",
        &draft.claim,
        "thông tin sai cần đính chính",
        MAX_TEXT,
        &mut problems,
    );
    let facts = text(
        "facts",
        &draft.facts,
        "sự thật, số liệu chính thức",
        MAX_TEXT,
        &mut problems,
    );
    let sources: Vec<String> = draft
        .sources
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if sources.is_empty() {
        problems.push(Problem::at(
            "sources",
            "Hãy ghi ít nhất một nguồn (văn bản, đường liên kết) để người đọc kiểm chứng.",
        ));
    } else if sources.len() > MAX_SOURCES || sources.iter().any(|s| s.chars().count() > 500) {
        problems.push(Problem::at(
            "sources",
            format!("Tối đa {MAX_SOURCES} nguồn, mỗi nguồn không quá 500 ký tự."),
        ));
    }
    let mut news_ids = draft.news_ids.clone();
    news_ids.sort_unstable();
    news_ids.dedup();
    if news_ids.len() > MAX_NEWS {
        problems.push(Problem::at("news_ids", format!("Gắn tối đa {MAX_NEWS} tin liên quan.")));
    } else {
        let found = app.store.news_titles(&news_ids).await?;
        for id in &news_ids {
            if !found.iter().any(|(f, ..)| f == id) {
                problems.push(Problem::at("news_ids", format!("Không có tin số {id}.")));
            }
        }
    }
    if let Some(incident_id) = draft.incident_id {
        // Only a case the writer reads, of false information, and of this unit's subtree.
        let case = app.store.incident(incident_id).await?;
        let fits = case.as_ref().is_some_and(|c| {
            crate::incidents::details_visible(actor, c)
                && c.category == "false_information"
                && unit.as_ref().is_some_and(|u| c.unit_ancestry.contains(&u.id))
        });
        if !fits {
            problems.push(Problem::at(
                "incident_id",
                "Chỉ gắn với một hồ sơ thông tin sai sự thật của đơn vị này mà bạn được xem.",
            ));
        }
    }
    let Some(unit) = unit else {
        return Err(AppError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let new = NewClarification {
        unit_id: unit.id,
        incident_id: draft.incident_id,
        title,
        claim,
        facts,
        sources,
        news_ids,
    };
    Ok(app.store.create_clarification(&actor.audit(), &new).await?)
}

/// Whether the person may read the clarification inside the application: it is published or
/// withdrawn (public anyway), or they write or approve for its unit.
fn may_see(actor: &Actor, c: &Clarification) -> bool {
    let target = Target::Unit(&c.unit_ancestry);
    c.state != ClarificationState::Draft
        || actor.may(Action::WriteClarifications, target)
        || actor.may(Action::ApproveClarifications, target)
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<Clarification> {
    let c = app.store.clarification(id).await?.ok_or(AppError::NotFound)?;
    if !may_see(actor, &c) {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

/// The clarifications of the person's scope (drafts included), newest first.
pub async fn list(app: &App, actor: &Actor, state: Option<&str>, paging: Paging) -> Result<(Vec<Clarification>, i64)> {
    let states = match state.map(str::trim).filter(|s| !s.is_empty()) {
        None => Vec::new(),
        Some(raw) => vec![
            ClarificationState::parse(raw)
                .ok_or_else(|| AppError::Invalid(vec![Problem::at("state", "Trạng thái không hợp lệ.")]))?,
        ],
    };
    let mut roots = scope_roots(&actor.permissions, Action::WriteClarifications);
    roots.extend(scope_roots(&actor.permissions, Action::ApproveClarifications));
    roots.sort_unstable();
    roots.dedup();
    Ok(app.store.list_clarifications(Some(&roots), &states, paging).await?)
}

/// An office head above the unit publishes a draft.
pub async fn approve(app: &App, actor: &Actor, id: i64) -> Result<Clarification> {
    let c = get(app, actor, id).await?;
    if !actor.may(Action::ApproveClarifications, Target::Unit(&c.unit_ancestry)) {
        return Err(AppError::Forbidden);
    }
    if c.state != ClarificationState::Draft {
        return Err(AppError::Conflict(
            "Bài đính chính này đã được duyệt hoặc đã thu hồi.".into(),
        ));
    }
    Ok(app
        .store
        .move_clarification(
            &actor.audit(),
            id,
            ClarificationState::Draft,
            ClarificationState::Published,
            "",
        )
        .await?)
}

/// An office head withdraws a published clarification, with a reason readers see.
pub async fn withdraw(app: &App, actor: &Actor, id: i64, reason: &str) -> Result<Clarification> {
    let c = get(app, actor, id).await?;
    if !actor.may(Action::ApproveClarifications, Target::Unit(&c.unit_ancestry)) {
        return Err(AppError::Forbidden);
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::Invalid(vec![Problem::at(
            "reason",
            "Hãy ghi lý do thu hồi (tối đa 1000 ký tự); người đọc sẽ thấy lý do này.",
        )]));
    }
    if c.state != ClarificationState::Published {
        return Err(AppError::Conflict("Chỉ thu hồi được bài đã công bố.".into()));
    }
    Ok(app
        .store
        .move_clarification(
            &actor.audit(),
            id,
            ClarificationState::Published,
            ClarificationState::Withdrawn,
            reason,
        )
        .await?)
}

/// A clarification at its public address: published or withdrawn; a draft does not exist.
pub async fn public(app: &App, id: i64) -> Result<(Clarification, Vec<(i64, String, String)>)> {
    let c = app
        .store
        .clarification(id)
        .await?
        .filter(|c| c.state != ClarificationState::Draft)
        .ok_or(AppError::NotFound)?;
    let news = app.store.news_titles(&c.news_ids).await?;
    Ok((c, news))
}

/// The newest published and withdrawn clarifications, for the Atom feed.
pub async fn feed(app: &App) -> Result<Vec<Clarification>> {
    Ok(app
        .store
        .list_clarifications(
            None,
            &[ClarificationState::Published, ClarificationState::Withdrawn],
            Paging { page: 1, per_page: 50 },
        )
        .await?
        .0)
}
