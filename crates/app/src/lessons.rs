//! The lesson library: the built-in lessons every signed-in person reads, and the lessons an
//! office adapted or wrote, which reach its subtree once published.
//!
//! A lesson's id is text: a built-in lesson's `<topic>-<band>`, a stored one's number. Who sees
//! a stored lesson: those who manage lessons where it was written (drafts too), and, once it is
//! published, everyone who reads lessons in its unit's subtree or above it (an office reads what
//! the department published).

use lanhmang_domain::lesson::{self, LessonBand, LessonContent, LessonTopic};
use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::text::fold_vi;
use lanhmang_domain::{Action, Paging, Target};
use lanhmang_store::lessons::{LessonVersion, StoredLessonSummary};
use time::OffsetDateTime;

use crate::{Actor, App, AppError, Problem, Result};

/// Where a lesson comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LessonSource {
    BuiltIn,
    Unit {
        unit_id: i64,
        version: i64,
        published: bool,
        updated_at: OffsetDateTime,
    },
}

/// A lesson as the library lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonItem {
    pub id: String,
    pub title: String,
    pub topic: LessonTopic,
    pub band: LessonBand,
    pub minutes: u32,
    pub requirements: Vec<String>,
    pub source: LessonSource,
}

/// A whole lesson with what the reader may do with it.
#[derive(Debug, Clone)]
pub struct LessonView {
    pub item: LessonItem,
    pub content: LessonContent,
    /// The reader may edit it and publish it (a stored lesson in their scope).
    pub may_edit: bool,
    /// The reader may start a class session of it.
    pub may_run: bool,
    /// The reader may adapt a copy for a unit.
    pub may_adapt: bool,
    pub versions: Vec<LessonVersion>,
    pub based_on: Option<String>,
}

/// What the library is filtered by; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LessonFilter {
    pub band: Option<LessonBand>,
    pub topic: Option<LessonTopic>,
    pub minutes: Option<u32>,
    pub requirement: Option<String>,
    pub query: String,
}

impl LessonFilter {
    /// Parses the filter's text fields, naming a field whose value is not one of its choices.
    pub fn parse(band: &str, topic: &str, minutes: &str, requirement: &str, query: &str) -> Result<LessonFilter> {
        let mut problems = Vec::new();
        let band = match band.trim() {
            "" => None,
            raw => LessonBand::parse(raw).or_else(|| {
                problems.push(Problem::at("band", format!("Không có nhóm đối tượng “{raw}”.")));
                None
            }),
        };
        let topic = match topic.trim() {
            "" => None,
            raw => LessonTopic::parse(raw).or_else(|| {
                problems.push(Problem::at("topic", format!("Không có chủ đề “{raw}”.")));
                None
            }),
        };
        let minutes = match minutes.trim() {
            "" => None,
            raw => raw.parse::<u32>().ok().filter(|m| (1..=600).contains(m)).or_else(|| {
                problems.push(Problem::at("minutes", "Thời lượng là số phút, ví dụ 35 hoặc 45."));
                None
            }),
        };
        let requirement = match requirement.trim() {
            "" => None,
            raw if lesson::REQUIREMENTS.contains(&raw) => Some(raw.to_string()),
            raw => {
                problems.push(Problem::at(
                    "requirement",
                    format!("Không có yêu cầu “{raw}” trong kế hoạch."),
                ));
                None
            }
        };
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        Ok(LessonFilter {
            band,
            topic,
            minutes,
            requirement,
            query: fold_vi(query.trim()),
        })
    }

    fn keeps(&self, item: &LessonItem) -> bool {
        self.band.is_none_or(|b| b == item.band)
            && self.topic.is_none_or(|t| t == item.topic)
            && self.minutes.is_none_or(|m| m == item.minutes)
            && self.requirement.as_ref().is_none_or(|r| item.requirements.contains(r))
            && (self.query.is_empty() || fold_vi(&item.title).contains(&self.query))
    }
}

fn built_in_item(l: &lesson::BuiltInLesson) -> LessonItem {
    LessonItem {
        id: l.id.clone(),
        title: l.content.title.clone(),
        topic: l.content.topic,
        band: l.content.band,
        minutes: l.content.minutes,
        requirements: l.content.requirements.clone(),
        source: LessonSource::BuiltIn,
    }
}

fn stored_item(s: &StoredLessonSummary) -> Option<LessonItem> {
    Some(LessonItem {
        id: s.id.to_string(),
        title: s.title.clone(),
        topic: LessonTopic::parse(&s.topic)?,
        band: LessonBand::parse(&s.band)?,
        minutes: u32::try_from(s.minutes).ok()?,
        requirements: s.requirements.clone(),
        source: LessonSource::Unit {
            unit_id: s.unit_id,
            version: s.version,
            published: s.published,
            updated_at: s.updated_at,
        },
    })
}

/// Whether the person sees a stored lesson (see the module's documentation).
fn sees(actor: &Actor, ancestries: &[Vec<i64>], s: &StoredLessonSummary) -> bool {
    let target = Target::Unit(&s.unit_ancestry);
    actor.may(Action::ManageLessons, target)
        || (s.published
            && (actor.may(Action::ViewLessons, target) || ancestries.iter().any(|a| a.contains(&s.unit_id))))
}

/// The ancestries of the units where the person reads lessons.
async fn reading_ancestries(app: &App, actor: &Actor) -> Result<Vec<Vec<i64>>> {
    let roots = scope_roots(&actor.permissions, Action::ViewLessons);
    Ok(app
        .store
        .units_by_ids(&roots)
        .await?
        .into_iter()
        .map(|u| u.ancestry)
        .collect())
}

fn require_reader(actor: &Actor) -> Result<()> {
    if scope_roots(&actor.permissions, Action::ViewLessons).is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// The library: the lessons the person sees that pass the filter, built-in first by topic and
/// band, then the units' newest first; one page of them and how many there are.
pub async fn library(
    app: &App,
    actor: &Actor,
    filter: &LessonFilter,
    paging: Paging,
) -> Result<(Vec<LessonItem>, u64)> {
    require_reader(actor)?;
    let ancestries = reading_ancestries(app, actor).await?;
    let mut all: Vec<LessonItem> = lesson::built_in()
        .iter()
        .map(built_in_item)
        .filter(|i| filter.keeps(i))
        .collect();
    for s in app.store.lessons_near(&ancestries).await? {
        if sees(actor, &ancestries, &s)
            && let Some(item) = stored_item(&s)
            && filter.keeps(&item)
        {
            all.push(item);
        }
    }
    let total = all.len() as u64;
    let start = paging.offset() as usize;
    let page = all.into_iter().skip(start).take(paging.per_page as usize).collect();
    Ok((page, total))
}

/// A lesson by id, as the person may see it: 404 for one they do not see.
pub async fn lesson(app: &App, actor: &Actor, id: &str) -> Result<LessonView> {
    require_reader(actor)?;
    let may_run = !scope_roots(&actor.permissions, Action::RunClassSessions).is_empty();
    let may_adapt = !scope_roots(&actor.permissions, Action::ManageLessons).is_empty();
    if let Some(l) = lesson::built_in_lesson(id) {
        return Ok(LessonView {
            item: built_in_item(l),
            content: l.content.clone(),
            may_edit: false,
            may_run,
            may_adapt,
            versions: Vec::new(),
            based_on: None,
        });
    }
    let stored_id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let stored = app.store.lesson(stored_id).await?.ok_or(AppError::NotFound)?;
    let ancestries = reading_ancestries(app, actor).await?;
    if !sees(actor, &ancestries, &stored.summary) {
        return Err(AppError::NotFound);
    }
    let item = stored_item(&stored.summary).ok_or(AppError::NotFound)?;
    let may_edit = actor.may(Action::ManageLessons, Target::Unit(&stored.summary.unit_ancestry));
    Ok(LessonView {
        item,
        content: stored.content,
        may_edit,
        may_run,
        may_adapt,
        versions: if may_edit {
            app.store.lesson_versions(stored_id).await?
        } else {
            Vec::new()
        },
        based_on: stored.summary.based_on,
    })
}

/// Checks a lesson as typed into the form or the API; every problem with its field.
pub fn check_content(content: LessonContent) -> Result<LessonContent> {
    content
        .cleaned()
        .map_err(|list| AppError::Invalid(list.into_iter().map(Problem::from).collect()))
}

/// Stores a new lesson for a unit where the person manages lessons: written from scratch, or
/// adapted from `based_on` (a lesson they see). Starts unpublished.
pub async fn create_lesson(
    app: &App,
    actor: &Actor,
    unit_id: i64,
    based_on: Option<&str>,
    content: LessonContent,
) -> Result<i64> {
    let unit = app.store.unit(unit_id).await?.ok_or(AppError::NotFound)?;
    let target = Target::Unit(&unit.ancestry);
    if !actor.may(Action::ManageLessons, target) {
        return Err(if actor.may(Action::ViewUnit, target) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    let based_on = match based_on {
        Some(id) => {
            let source = lesson(app, actor, id).await?;
            Some(if matches!(source.item.source, LessonSource::BuiltIn) {
                id.to_string()
            } else {
                format!("lesson:{id}")
            })
        }
        None => None,
    };
    let content = check_content(content)?;
    Ok(app
        .store
        .create_lesson(&actor.audit(), &unit.ancestry, based_on.as_deref(), &content)
        .await?)
}

async fn editable(app: &App, actor: &Actor, id: i64) -> Result<lanhmang_store::lessons::StoredLesson> {
    let stored = app.store.lesson(id).await?.ok_or(AppError::NotFound)?;
    let target = Target::Unit(&stored.summary.unit_ancestry);
    if !actor.may(Action::ManageLessons, target) {
        let ancestries = reading_ancestries(app, actor).await?;
        return Err(if sees(actor, &ancestries, &stored.summary) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    Ok(stored)
}

/// Saves a new version of a stored lesson; `expected_version` is the version the person edited.
pub async fn save_lesson(
    app: &App,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    content: LessonContent,
) -> Result<i64> {
    editable(app, actor, id).await?;
    let content = check_content(content)?;
    Ok(app
        .store
        .save_lesson_version(&actor.audit(), id, expected_version, &content)
        .await?)
}

/// Publishes a stored lesson to its unit's subtree, or takes it back.
pub async fn publish_lesson(app: &App, actor: &Actor, id: i64, published: bool) -> Result<bool> {
    editable(app, actor, id).await?;
    Ok(app.store.set_lesson_published(&actor.audit(), id, published).await?)
}

/// The units where the person may write lessons, for the form's choice.
pub async fn lesson_units(app: &App, actor: &Actor) -> Result<Vec<lanhmang_store::Unit>> {
    let roots = scope_roots(&actor.permissions, Action::ManageLessons);
    Ok(app.store.units_by_ids(&roots).await?)
}

/// The requirements of a lesson by id, whoever reads: for logging a session of it. A stored
/// lesson deleted or unreadable since has none.
pub async fn lesson_requirements(app: &App, id: &str) -> Result<Vec<String>> {
    if let Some(l) = lesson::built_in_lesson(id) {
        return Ok(l.content.requirements.clone());
    }
    Ok(match id.parse::<i64>() {
        Ok(stored) => app
            .store
            .lesson(stored)
            .await?
            .map(|l| l.content.requirements)
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    })
}
