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
use lanhmang_store::stories::{ConsentMethod, NewConsent, NewPhoto, ParentRequest, Publishing, Story, StorySummary};

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

/// Adds a photo to a story: re-encoded off the async threads (no metadata survives), by who
/// writes stories at its unit. Its id.
pub async fn add_photo(app: &App, actor: &Actor, id: i64, caption: &str, bytes: Vec<u8>) -> Result<i64> {
    let story = writable(app, actor, id).await?;
    let caption = lanhmang_domain::text::clean_line(caption);
    if caption.chars().count() > story::MAX_NOTE {
        return Err(AppError::Invalid(vec![Problem::at(
            "caption",
            format!("Chú thích ảnh dài quá {} ký tự.", story::MAX_NOTE),
        )]));
    }
    let photo = crate::photos::reencode_off_thread(bytes).await?;
    let photo = NewPhoto {
        caption,
        width: i64::from(photo.width),
        height: i64::from(photo.height),
        large: photo.large,
        small: photo.small,
    };
    Ok(app.store.add_story_photo(&actor.audit(), story.id, &photo).await?)
}

/// Takes a photo off a story and deletes its bytes.
pub async fn remove_photo(app: &App, actor: &Actor, id: i64, photo_id: i64) -> Result<()> {
    let story = writable(app, actor, id).await?;
    Ok(app.store.remove_story_photo(&actor.audit(), story.id, photo_id).await?)
}

/// A photo of the story, for its readers; gone once deleted.
pub async fn photo(app: &App, actor: &Actor, id: i64, photo_id: i64, small: bool) -> Result<Vec<u8>> {
    let story = readable(app, actor, id).await?;
    if !story.photos.iter().any(|p| p.id == photo_id) {
        return Err(AppError::NotFound);
    }
    app.store
        .story_photo(story.id, photo_id, small)
        .await?
        .ok_or(AppError::Gone)
}

/// The story, for who writes stories at its unit (others who read it are refused).
async fn writable(app: &App, actor: &Actor, id: i64) -> Result<Story> {
    let story = readable(app, actor, id).await?;
    if !actor.may(Action::WriteStories, Target::Unit(&story.unit_ancestry)) {
        return Err(AppError::Forbidden);
    }
    Ok(story)
}

/// The parent accounts of the story's school, whom the school may ask for a pupil's consent
/// in the app: (person id, name, class).
pub async fn askable_parents(app: &App, actor: &Actor, id: i64) -> Result<Vec<(i64, String, String)>> {
    let story = writable(app, actor, id).await?;
    let (parents, _) = app.store.parents_of_school(story.unit_id, None, 500, 0).await?;
    Ok(parents
        .into_iter()
        .map(|p| (p.person_id, p.display_name, p.class_name))
        .collect())
}

/// Asks a parent account of the school to give a pupil's consent in the app (None stops
/// asking). The parent must have a class at the story's school.
pub async fn ask_parent(app: &App, actor: &Actor, id: i64, subject_id: i64, parent_id: Option<i64>) -> Result<()> {
    let story = writable(app, actor, id).await?;
    let subject =
        story.subjects.iter().find(|s| s.id == subject_id).ok_or_else(|| {
            AppError::Invalid(vec![Problem::at("subject", "Hãy chọn một học sinh trong câu chuyện.")])
        })?;
    if subject.kind != story::SubjectKind::Pupil {
        return Err(AppError::Invalid(vec![Problem::at(
            "subject",
            "Chỉ hỏi cha mẹ khi người trong câu chuyện là học sinh.",
        )]));
    }
    if let Some(parent_id) = parent_id {
        let classes = app.store.classes_of_parent(parent_id).await?;
        if !classes.iter().any(|c| c.unit_id == story.unit_id) {
            return Err(AppError::Invalid(vec![Problem::at(
                "parent",
                "Người này không phải phụ huynh có con học ở trường của câu chuyện.",
            )]));
        }
    }
    Ok(app
        .store
        .ask_story_parent(&actor.audit(), story.id, subject_id, parent_id)
        .await?)
}

/// The stories a parent was asked about, with what they answered.
pub async fn parent_requests(app: &App, actor: &Actor) -> Result<Vec<ParentRequest>> {
    Ok(app.store.parent_story_requests(actor.person.id).await?)
}

/// The request about pupil `subject_id` of story `id`, when this parent was asked; else 404.
async fn asked(app: &App, actor: &Actor, id: i64, subject_id: i64) -> Result<ParentRequest> {
    app.store
        .parent_story_requests(actor.person.id)
        .await?
        .into_iter()
        .find(|r| r.story_id == id && r.subject.id == subject_id)
        .ok_or(AppError::NotFound)
}

/// A parent gives their consent in the app for their child in story `id`, for one purpose.
pub async fn parent_consent(app: &App, actor: &Actor, id: i64, subject_id: i64, purpose: &str) -> Result<i64> {
    let purpose = parse_purpose(purpose)?;
    let request = asked(app, actor, id, subject_id).await?;
    let consent = NewConsent {
        subject_id: request.subject.id,
        given_by: GivenBy::Parent,
        purpose,
        method: ConsentMethod::App,
        note: String::new(),
        scan: None,
    };
    Ok(app.store.add_story_consent(&actor.audit(), id, &consent).await?)
}

/// A parent withdraws a consent given for their child (in the app or on paper): the story
/// leaves every purpose it no longer covers at once. The purposes it left.
pub async fn parent_withdraw(
    app: &App,
    actor: &Actor,
    id: i64,
    subject_id: i64,
    consent_id: i64,
) -> Result<Vec<Purpose>> {
    let request = asked(app, actor, id, subject_id).await?;
    if !request
        .consents
        .iter()
        .any(|c| c.id == consent_id && c.given_by == GivenBy::Parent && c.withdrawn_at.is_none())
    {
        return Err(AppError::NotFound);
    }
    Ok(app
        .store
        .withdraw_story_consent(&actor.audit(), id, consent_id, "Cha mẹ rút lại trên ứng dụng")
        .await?)
}

/// The printable consent form of a story for one of its people: what the story says, the
/// purposes to tick, and a place for each signature it needs (a parent's, and from age 7 the
/// pupil's own; a teacher's or staff member's own).
pub async fn consent_document(
    app: &App,
    actor: &Actor,
    id: i64,
    subject_id: i64,
) -> Result<lanhmang_export::OfficialDocument> {
    use lanhmang_export::{Letterhead, OfficialDocument, Section, Signature, Table};
    let story = readable(app, actor, id).await?;
    let subject = story
        .subjects
        .iter()
        .find(|s| s.id == subject_id)
        .ok_or(AppError::NotFound)?;
    let unit = app.store.unit(story.unit_id).await?.ok_or(AppError::NotFound)?;
    let givers = story::consents_needed(subject.kind, subject.age);
    let who = match subject.age {
        Some(age) => format!("{} ({}, {age} tuổi)", subject.name, subject.kind.label()),
        None => format!("{} ({})", subject.name, subject.kind.label()),
    };
    let mut rows = Vec::new();
    for (i, purpose) in Purpose::ALL.into_iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            purpose.label().to_string(),
            "☐ Đồng ý".into(),
            "☐ Không đồng ý".into(),
        ]);
    }
    let mut signatures = Vec::new();
    for giver in &givers {
        signatures.push(match giver {
            GivenBy::Parent => {
                "Cha, mẹ hoặc người giám hộ (ký, ghi rõ họ tên): ..............................".to_string()
            }
            GivenBy::Themself if subject.kind == story::SubjectKind::Pupil => {
                "Học sinh (ký, ghi rõ họ tên): ..............................".to_string()
            }
            GivenBy::Themself => "Người được nói đến (ký, ghi rõ họ tên): ..............................".to_string(),
        });
    }
    Ok(OfficialDocument {
        letterhead: Letterhead {
            parent_authority: crate::letterhead::authority_above(app, &unit).await?,
            issuing_unit: unit.name.clone(),
            number: String::new(),
            place: String::new(),
            date: lanhmang_domain::report::vietnam_date(time::OffsetDateTime::now_utc()),
        },
        kind_title: "Phiếu đồng ý".into(),
        subtitle: format!("Về việc đăng câu chuyện «{}»", story.title),
        intro: vec![format!(
            "{} muốn giới thiệu câu chuyện dưới đây về {who}. Theo Luật Bảo vệ dữ liệu cá nhân và Luật Trẻ em, \
                 nhà trường chỉ đăng khi có sự đồng ý cho từng mục đích; sự đồng ý có thể rút lại bất cứ lúc nào, \
                 khi đó câu chuyện và ảnh được gỡ ngay.",
            unit.name
        )],
        sections: vec![
            Section {
                heading: format!("Câu chuyện: {}", story.title),
                paragraphs: story
                    .body
                    .split("\n\n")
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect(),
                table: None,
            },
            Section {
                heading: "Mục đích được đồng ý (đánh dấu vào ô)".into(),
                paragraphs: vec![format!(
                    "Câu chuyện có {} ảnh. Đánh dấu từng mục đích; mục nào không đánh dấu được hiểu là không đồng ý.",
                    story.photos.iter().filter(|p| p.deleted_at.is_none()).count()
                )],
                table: Some(Table {
                    header: vec!["STT".into(), "Mục đích".into(), "Đồng ý".into(), "Không đồng ý".into()],
                    rows,
                    numeric_columns: vec![0],
                }),
            },
            Section {
                heading: "Chữ ký".into(),
                paragraphs: signatures,
                table: None,
            },
        ],
        recipients: vec!["Gia đình (1 bản);".into(), "Lưu: nhà trường.".into()],
        signature: Signature {
            on_behalf: None,
            title: "Người lập phiếu".into(),
            signer: story.author_name.clone(),
        },
    })
}

/// The units where the person writes stories (the form's choice).
pub async fn writing_units(app: &App, actor: &Actor) -> Result<Vec<lanhmang_store::Unit>> {
    let roots = scope_roots(&actor.permissions, Action::WriteStories);
    Ok(app.store.units_by_ids(&roots).await?)
}

/// A story its parent was asked about, as that parent reads it before answering: the story and
/// the request (the pupil and the parent's consents).
pub async fn parent_view(app: &App, actor: &Actor, id: i64) -> Result<(Story, ParentRequest)> {
    let request = app
        .store
        .parent_story_requests(actor.person.id)
        .await?
        .into_iter()
        .find(|r| r.story_id == id)
        .ok_or(AppError::NotFound)?;
    let story = app.store.story(id).await?.ok_or(AppError::NotFound)?;
    Ok((story, request))
}

/// A photo of a story its parent was asked about.
pub async fn parent_photo(app: &App, actor: &Actor, id: i64, photo_id: i64) -> Result<Vec<u8>> {
    let (story, _) = parent_view(app, actor, id).await?;
    if !story.photos.iter().any(|p| p.id == photo_id) {
        return Err(AppError::NotFound);
    }
    app.store
        .story_photo(story.id, photo_id, true)
        .await?
        .ok_or(AppError::Gone)
}

/// The public pages of the units where the person writes or approves stories, with their
/// views in the last 30 days (counted per day, nothing about who viewed).
pub async fn public_pages(app: &App, actor: &Actor) -> Result<Vec<(lanhmang_store::Unit, i64)>> {
    let mut roots: Vec<i64> = READERS
        .iter()
        .flat_map(|a| scope_roots(&actor.permissions, *a))
        .collect();
    roots.sort_unstable();
    roots.dedup();
    let since = lanhmang_domain::report::vietnam_date(time::OffsetDateTime::now_utc()) - time::Duration::days(29);
    let mut out = Vec::new();
    for unit in app.store.units_by_ids(&roots).await? {
        let views = app
            .store
            .public_visits(unit.id, &since.to_string())
            .await?
            .iter()
            .map(|(_, n)| n)
            .sum();
        out.push((unit, views));
    }
    Ok(out)
}
