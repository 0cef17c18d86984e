//! Exemplary stories (S1.2, T1.3): a teacher or principal writes about an exemplary teacher,
//! staff member or pupil; consents are recorded per person and purpose; the principal approves
//! a story for the school's page, the office for its own page or the press, and only when
//! every consent that purpose needs stands; a withdrawn consent takes the story off at once.
//!
//! Who reads a story before it is public (its people's names, the consents): those who write
//! stories at its unit and those who approve them there; anyone else gets 404.

use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::story::{self, GivenBy, Missing, Purpose, RawSubject};
use lanhmang_domain::{Action, Paging, Target};
use lanhmang_store::stories::{ConsentMethod, NewConsent, Publishing, Story, StorySummary};

use crate::{Actor, App, AppError, Problem, Result};

/// The actions that open a story before it is public.
const READERS: [Action; 3] = [
    Action::WriteStories,
    Action::PublishSchoolStories,
    Action::PublishOfficeStories,
];

/// Who approves a story for `purpose`: the principal for the school's page, the office for its
/// own page and the press.
fn approver_action(purpose: Purpose) -> Action {
    match purpose {
        Purpose::SchoolSite => Action::PublishSchoolStories,
        Purpose::OfficeSite | Purpose::Press => Action::PublishOfficeStories,
    }
}

/// A story with what the reader may do and what each purpose still needs.
#[derive(Debug, Clone)]
pub struct StoryView {
    pub story: Story,
    pub may_write: bool,
    /// Per purpose: the consents still missing, and whether the reader approves for it.
    pub purposes: Vec<PurposeState>,
}

#[derive(Debug, Clone)]
pub struct PurposeState {
    pub purpose: Purpose,
    pub missing: Vec<Missing>,
    pub published: bool,
    pub may_approve: bool,
}

fn invalid(problems: Vec<lanhmang_domain::field::FieldProblem>) -> AppError {
    AppError::Invalid(problems.into_iter().map(Problem::from).collect())
}

/// Writes a new story at the unit `unit_id`; its id.
pub async fn create(
    app: &App,
    actor: &Actor,
    unit_id: i64,
    title: &str,
    body: &str,
    subjects: &[RawSubject],
) -> Result<i64> {
    let unit = app.store.unit(unit_id).await?.ok_or(AppError::NotFound)?;
    let target = Target::Unit(&unit.ancestry);
    if !actor.may(Action::WriteStories, target) {
        return Err(if actor.may(Action::ViewUnit, target) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    let input = story::parse_story(title, body, subjects).map_err(invalid)?;
    Ok(app
        .store
        .create_story(&actor.audit(), unit.id, actor.person.id, &input)
        .await?)
}

async fn readable(app: &App, actor: &Actor, id: i64) -> Result<Story> {
    let story = app.store.story(id).await?.ok_or(AppError::NotFound)?;
    let target = Target::Unit(&story.unit_ancestry);
    if !READERS.iter().any(|a| actor.may(*a, target)) {
        return Err(AppError::NotFound);
    }
    Ok(story)
}

/// One story, for those who write or approve stories at its unit.
pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<StoryView> {
    let story = readable(app, actor, id).await?;
    let target = Target::Unit(&story.unit_ancestry);
    let standing = story.standing();
    let purposes = Purpose::ALL
        .into_iter()
        .map(|purpose| PurposeState {
            purpose,
            missing: story::missing_consents(&story.subjects, &standing, purpose),
            published: story.published_for(purpose),
            may_approve: actor.may(approver_action(purpose), target),
        })
        .collect();
    Ok(StoryView {
        may_write: actor.may(Action::WriteStories, target),
        story,
        purposes,
    })
}

/// The stories of the units where the reader writes or approves stories, newest first.
pub async fn list(app: &App, actor: &Actor, paging: Paging) -> Result<(Vec<StorySummary>, i64)> {
    let mut roots: Vec<i64> = READERS
        .iter()
        .flat_map(|a| scope_roots(&actor.permissions, *a))
        .collect();
    roots.sort_unstable();
    roots.dedup();
    Ok(app.store.stories_in(&roots, paging.limit(), paging.offset()).await?)
}

/// A consent as typed: the person (by id), who gave it, for what, a note, the signed form.
#[derive(Debug, Clone, Default)]
pub struct RawConsent {
    pub subject_id: Option<i64>,
    pub given_by: String,
    pub purpose: String,
    pub note: String,
    /// (file name, bytes) of the signed form's scan.
    pub form: Option<(String, Vec<u8>)>,
}

/// Records a consent given on paper (the signed form attached when there is one); its id.
pub async fn add_consent(app: &App, actor: &Actor, id: i64, raw: RawConsent) -> Result<i64> {
    let story = readable(app, actor, id).await?;
    if !actor.may(Action::WriteStories, Target::Unit(&story.unit_ancestry)) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Vec::new();
    let subject = raw
        .subject_id
        .and_then(|sid| story.subjects.iter().find(|s| s.id == sid));
    if subject.is_none() {
        problems.push(Problem::at("subject", "Hãy chọn một người trong câu chuyện."));
    }
    let given_by = GivenBy::parse(&raw.given_by);
    if given_by.is_none() {
        problems.push(Problem::at(
            "given_by",
            "Chọn người đồng ý: «parent» (cha mẹ) hoặc «self» (chính người đó).",
        ));
    }
    let purpose = parse_purpose(&raw.purpose);
    if let Err(AppError::Invalid(found)) = &purpose {
        problems.extend(found.iter().cloned());
    }
    let purpose = purpose.ok();
    if let (Some(subject), Some(given_by)) = (subject, given_by)
        && let Err(p) = story::consent_applies(subject, given_by)
    {
        problems.push(p.into());
    }
    let note = lanhmang_domain::text::clean_line(&raw.note);
    if note.chars().count() > story::MAX_NOTE {
        problems.push(Problem::at(
            "note",
            format!("Ghi chú dài quá {} ký tự.", story::MAX_NOTE),
        ));
    }
    let scan = match raw.form {
        Some((name, bytes)) => match story::check_form(&name, &bytes) {
            Ok((name, content_type)) => Some((name, content_type.to_string(), bytes)),
            Err(p) => {
                problems.push(p.into());
                None
            }
        },
        None => None,
    };
    let (Some(subject), Some(given_by), Some(purpose), true) = (subject, given_by, purpose, problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    let consent = NewConsent {
        subject_id: subject.id,
        given_by,
        purpose,
        method: ConsentMethod::Paper,
        note,
        scan,
    };
    Ok(app.store.add_story_consent(&actor.audit(), story.id, &consent).await?)
}

fn parse_purpose(raw: &str) -> Result<Purpose> {
    Purpose::parse(raw).ok_or_else(|| {
        AppError::Invalid(vec![Problem::at(
            "purpose",
            "Chọn mục đích: «school_site», «office_site» hoặc «press».",
        )])
    })
}

/// Publishes the story for a purpose, by who approves it there; a conflict naming every
/// missing consent when one is missing (nothing written).
pub async fn publish(app: &App, actor: &Actor, id: i64, purpose: &str) -> Result<()> {
    let purpose = parse_purpose(purpose)?;
    let story = readable(app, actor, id).await?;
    if !actor.may(approver_action(purpose), Target::Unit(&story.unit_ancestry)) {
        return Err(AppError::Forbidden);
    }
    match app
        .store
        .publish_story(&actor.audit(), story.id, purpose, actor.person.id)
        .await?
    {
        Publishing::Published => Ok(()),
        Publishing::Missing(missing) => Err(AppError::Conflict(format!(
            "Chưa đủ sự đồng ý để {}: {}.",
            purpose.label().to_lowercase(),
            missing.iter().map(Missing::describe).collect::<Vec<_>>().join("; ")
        ))),
    }
}

/// Records that a consent was withdrawn (a paper withdrawal brought to the school): the story
/// leaves every purpose that no longer has what it needs, in the same transaction. The
/// purposes it left.
pub async fn withdraw(app: &App, actor: &Actor, id: i64, consent_id: i64, note: &str) -> Result<Vec<Purpose>> {
    let story = readable(app, actor, id).await?;
    let note = lanhmang_domain::text::clean_line(note);
    if note.chars().count() > story::MAX_NOTE {
        return Err(AppError::Invalid(vec![Problem::at(
            "note",
            format!("Ghi chú dài quá {} ký tự.", story::MAX_NOTE),
        )]));
    }
    Ok(app
        .store
        .withdraw_story_consent(&actor.audit(), story.id, consent_id, &note)
        .await?)
}

/// The signed form of a consent: (file name, content type, bytes), for the story's readers.
pub async fn consent_form(app: &App, actor: &Actor, id: i64, consent_id: i64) -> Result<(String, String, Vec<u8>)> {
    let story = readable(app, actor, id).await?;
    app.store
        .story_consent_scan(story.id, consent_id)
        .await?
        .ok_or(AppError::NotFound)
}
