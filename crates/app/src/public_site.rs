//! The public site of every office and school: what anyone may read without an account.
//!
//! A school's page shows the stories its principal approved for the school's page; an office's
//! page (a department's too) shows the stories approved for the office's page anywhere below
//! it. A story's address answers only while the story is published for that page: once its
//! consent is withdrawn the page, its photos and its feed entry answer "gone" (410), and an
//! address that never was public answers "not found". Nothing here names a person's contact or
//! opens a case; visits are counted per unit and day, in memory, and written once a minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lanhmang_domain::Paging;
use lanhmang_domain::UnitKind;
use lanhmang_domain::parent_guide::{ParentGuide, parent_guides};
use lanhmang_domain::story::Purpose;
use lanhmang_store::Unit;
use lanhmang_store::clarifications::{Clarification, ClarificationState};
use lanhmang_store::public_site::{PublicScope, PublishedStory, SITEMAP_MAX};
use lanhmang_store::stories::{Photo, Story};
use time::OffsetDateTime;

use crate::{App, AppError, Result};

/// Stories on one page of a unit's public list.
pub const STORIES_PER_PAGE: i64 = 12;
/// Entries in a feed.
pub const FEED_ENTRIES: u32 = 30;
/// Clarifications shown on a unit's home.
const CLARIFICATIONS_SHOWN: u32 = 5;

/// Whose stories a unit's page shows and for which purpose.
fn purpose_of(unit: &Unit) -> Purpose {
    match unit.kind {
        UnitKind::School | UnitKind::Other => Purpose::SchoolSite,
        UnitKind::Ministry | UnitKind::Department | UnitKind::Office => Purpose::OfficeSite,
    }
}

fn scope_of(unit: &Unit) -> PublicScope<'_> {
    match purpose_of(unit) {
        Purpose::SchoolSite => PublicScope::Unit(unit.id),
        _ => PublicScope::Subtree(&unit.ancestry),
    }
}

/// The unit whose public page lives at `/trang/{code}`: any unit not closed.
async fn public_unit(app: &App, code: &str) -> Result<Unit> {
    let unit = app.store.unit_by_code(code.trim()).await?.ok_or(AppError::NotFound)?;
    if unit.status == lanhmang_domain::UnitStatus::Closed {
        return Err(AppError::NotFound);
    }
    Ok(unit)
}

/// The unit whose own domain points here: the one open unit with a website on exactly this
/// host (a `www.` prefix aside). Loopback and bare addresses name no school.
pub async fn unit_code_for_host(app: &App, host: &str) -> Result<Option<String>> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let bare = host.strip_prefix("www.").unwrap_or(&host).to_string();
    if bare.is_empty() || bare == "localhost" || bare.parse::<std::net::IpAddr>().is_ok() || !bare.contains('.') {
        return Ok(None);
    }
    let units = app.store.units_mentioning_host(&bare).await?;
    let mut matching = units.into_iter().filter(|u| {
        u.websites.iter().any(|w| {
            url::Url::parse(w)
                .ok()
                .and_then(|u| u.host_str().map(|h| h.to_ascii_lowercase()))
                .is_some_and(|h| h.strip_prefix("www.").unwrap_or(&h) == bare)
        })
    });
    // Two units claiming one domain name neither: the office sorts that out, not a guess.
    match (matching.next(), matching.next()) {
        (Some(u), None) => Ok(Some(u.code)),
        _ => Ok(None),
    }
}

/// A unit's public home.
#[derive(Debug, Clone)]
pub struct PublicHome {
    pub unit: Unit,
    /// The office a school belongs to, linked from its page.
    pub parent: Option<Unit>,
    pub stories: Vec<PublishedStory>,
    pub page: i64,
    pub more: bool,
    pub clarifications: Vec<Clarification>,
    pub guides: &'static [ParentGuide],
    /// For an office: the year's results across its schools, in aggregate only.
    pub figures: Option<OfficeFigures>,
    /// When what the page shows last changed (its `Last-Modified`).
    pub changed_at: OffsetDateTime,
}

/// A unit's public home, page `page` of its stories.
pub async fn home(app: &App, code: &str, page: i64) -> Result<PublicHome> {
    let unit = public_unit(app, code).await?;
    let page = page.clamp(1, 10_000);
    let purpose = purpose_of(&unit);
    let (stories, more) = app
        .store
        .published_stories(
            purpose,
            scope_of(&unit),
            STORIES_PER_PAGE,
            (page - 1) * STORIES_PER_PAGE,
        )
        .await?;
    let clarifications = clarifications_for(app, &unit, CLARIFICATIONS_SHOWN).await?;
    let parent = match unit.parent_id {
        Some(id) => app.store.unit(id).await?,
        None => None,
    };
    let figures = match purpose {
        Purpose::SchoolSite => None,
        _ => office_figures(app, &unit).await?,
    };
    let changed_at = latest([
        stories.iter().map(|s| s.published_at).max(),
        figures.as_ref().map(|f| f.changed_at),
        app.store.last_unpublished(purpose).await?,
        clarifications
            .iter()
            .filter_map(|c| c.withdrawn_at.or(c.published_at))
            .max(),
        Some(unit.updated_at),
    ]);
    Ok(PublicHome {
        unit,
        parent,
        stories,
        page,
        more,
        clarifications,
        guides: parent_guides(),
        figures,
        changed_at,
    })
}

/// An office's year in figures for its public page: how many schools reported, and each of the
/// plan's indicators summed over them. Never a school's own figure, never a ranking, never a name.
#[derive(Debug, Clone)]
pub struct OfficeFigures {
    pub plan_title: String,
    pub school_year: String,
    pub expected: i64,
    pub submitted: i64,
    /// (indicator, value as shown), for the indicators some school reported.
    pub indicators: Vec<(String, String)>,
    pub changed_at: OffsetDateTime,
}

/// The figures of the newest published plan that reaches the office's schools, if any.
async fn office_figures(app: &App, unit: &Unit) -> Result<Option<OfficeFigures>> {
    let Some(plan) = app.store.plans_for_school(&unit.ancestry).await?.into_iter().next() else {
        return Ok(None);
    };
    let data = app.store.plan_dashboard(&plan, &[unit.id]).await?;
    let defs: Vec<_> = plan.content.indicators().collect();
    let board = crate::dashboard::dashboard(&defs, &data);
    Ok(Some(OfficeFigures {
        plan_title: plan.title.clone(),
        school_year: plan.school_year.label(),
        expected: board.total.expected,
        submitted: board.total.submitted,
        indicators: board
            .indicators
            .into_iter()
            .filter(|f| f.reporting > 0 && f.value.is_some())
            .map(|f| (f.name, f.shown))
            .collect(),
        changed_at: data.first_submissions.iter().copied().max().unwrap_or(plan.updated_at),
    }))
}

fn latest<const N: usize>(times: [Option<OffsetDateTime>; N]) -> OffsetDateTime {
    times.into_iter().flatten().max().unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The clarifications a unit's visitors should see: those of its office's area for a school,
/// of its own area for an office; published or withdrawn (a withdrawal says so), newest first.
async fn clarifications_for(app: &App, unit: &Unit, limit: u32) -> Result<Vec<Clarification>> {
    let root = match purpose_of(unit) {
        Purpose::SchoolSite => unit.parent_id.unwrap_or(unit.id),
        _ => unit.id,
    };
    Ok(app
        .store
        .list_clarifications(
            Some(&[root]),
            &[ClarificationState::Published, ClarificationState::Withdrawn],
            Paging {
                page: 1,
                per_page: limit,
            },
        )
        .await?
        .0)
}

/// A published story as its public page shows it.
#[derive(Debug, Clone)]
pub struct PublicStory {
    /// The unit whose page this is.
    pub unit: Unit,
    pub story: Story,
    pub published_at: OffsetDateTime,
    /// The photos that still have their bytes.
    pub photos: Vec<Photo>,
    /// The code of the page that is the story's one address (the school's when the school
    /// published it, else the nearest office's), for the canonical link.
    pub canonical_code: String,
}

/// The story `id` on the page of `code`: gone (410) once it was taken down there, not found
/// when it never was public there.
pub async fn story(app: &App, code: &str, id: i64) -> Result<PublicStory> {
    let unit = public_unit(app, code).await?;
    let story = app.store.story(id).await?.ok_or(AppError::NotFound)?;
    let purpose = purpose_of(&unit);
    let belongs = match purpose {
        Purpose::SchoolSite => story.unit_id == unit.id,
        _ => story.unit_ancestry.contains(&unit.id),
    };
    let publication = story.publications.iter().find(|p| p.purpose == purpose);
    let published_at = match publication {
        Some(p) if belongs && p.unpublished_at.is_none() => p.published_at,
        Some(_) if belongs => return Err(AppError::Gone),
        _ => return Err(AppError::NotFound),
    };
    let canonical_code = if story.published_for(Purpose::SchoolSite) {
        app.store
            .unit(story.unit_id)
            .await?
            .map(|u| u.code)
            .unwrap_or_else(|| unit.code.clone())
    } else {
        nearest_office_code(app, &story)
            .await?
            .unwrap_or_else(|| unit.code.clone())
    };
    let photos = story
        .photos
        .iter()
        .filter(|p| p.deleted_at.is_none())
        .cloned()
        .collect();
    Ok(PublicStory {
        unit,
        published_at,
        photos,
        canonical_code,
        story,
    })
}

/// The nearest unit above (or at) the story's unit that is not a school.
async fn nearest_office_code(app: &App, story: &Story) -> Result<Option<String>> {
    let units = app.store.units_by_ids(&story.unit_ancestry).await?;
    Ok(story
        .unit_ancestry
        .iter()
        .rev()
        .filter_map(|id| units.iter().find(|u| u.id == *id))
        .find(|u| purpose_of(u) == Purpose::OfficeSite)
        .map(|u| u.code.clone()))
}

/// A photo of a story published on the page of `code`: its JPEG bytes.
pub async fn photo(app: &App, code: &str, story_id: i64, photo_id: i64, small: bool) -> Result<Vec<u8>> {
    let public = story(app, code, story_id).await?;
    if !public.story.photos.iter().any(|p| p.id == photo_id) {
        return Err(AppError::NotFound);
    }
    app.store
        .story_photo(story_id, photo_id, small)
        .await?
        .ok_or(AppError::Gone)
}

/// What a feed carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// Stories and clarifications together.
    All,
    Stories,
    Clarifications,
}

/// One entry of a unit's feed.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    /// The path of the entry's page, e.g. `/trang/TH-ANBINH/cau-chuyen/7`.
    pub path: String,
    pub title: String,
    pub summary: String,
    pub updated: OffsetDateTime,
    pub author: String,
}

/// A unit's feed: the newest entries of `kind`, newest first, and the unit.
pub async fn feed(app: &App, code: &str, kind: FeedKind) -> Result<(Unit, Vec<FeedEntry>)> {
    let unit = public_unit(app, code).await?;
    let mut entries = Vec::new();
    if kind != FeedKind::Clarifications {
        let (stories, _) = app
            .store
            .published_stories(purpose_of(&unit), scope_of(&unit), i64::from(FEED_ENTRIES), 0)
            .await?;
        entries.extend(stories.into_iter().map(|s| FeedEntry {
            path: format!("/trang/{}/cau-chuyen/{}", unit.code, s.id),
            summary: excerpt(&s.body, 300),
            title: s.title,
            updated: s.published_at,
            author: s.unit_name,
        }));
    }
    if kind != FeedKind::Stories {
        for c in clarifications_for(app, &unit, FEED_ENTRIES).await? {
            let withdrawn = c.state == ClarificationState::Withdrawn;
            entries.push(FeedEntry {
                path: format!("/cong-khai/dinh-chinh/{}", c.id),
                title: if withdrawn {
                    format!("[Đã thu hồi] {}", c.title)
                } else {
                    c.title.clone()
                },
                summary: excerpt(&c.facts, 300),
                updated: c.withdrawn_at.or(c.published_at).unwrap_or(c.updated_at),
                author: c.unit_name,
            });
        }
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.updated));
    entries.truncate(FEED_ENTRIES as usize);
    Ok((unit, entries))
}

/// The first `max` characters of a text, cut at a word, with "…" when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

/// One address of the sitemap: a path and when it last changed.
#[derive(Debug, Clone)]
pub struct SitemapEntry {
    pub path: String,
    pub changed: OffsetDateTime,
}

/// Every public unit page and published story, up to the sitemap's limit.
pub async fn sitemap(app: &App) -> Result<Vec<SitemapEntry>> {
    let mut out: Vec<SitemapEntry> = app
        .store
        .public_unit_codes()
        .await?
        .into_iter()
        .map(|(code, changed)| SitemapEntry {
            path: format!("/trang/{code}"),
            changed,
        })
        .collect();
    let room = SITEMAP_MAX - out.len() as i64;
    for s in app.store.sitemap_stories(room).await? {
        let code = if s.purpose == Purpose::SchoolSite.as_str() {
            s.unit_code
        } else {
            // An office's story is its own; a school's story approved for the office's page
            // lives on its office's page.
            match UnitKind::parse(&s.unit_kind) {
                Some(UnitKind::School | UnitKind::Other) => s.parent_code.unwrap_or(s.unit_code),
                _ => s.unit_code,
            }
        };
        out.push(SitemapEntry {
            path: format!("/trang/{code}/cau-chuyen/{}", s.id),
            changed: s.published_at,
        });
    }
    Ok(out)
}

/// Page views counted in memory per unit and day, written to the store once a minute.
#[derive(Debug)]
pub struct Visits {
    counts: Mutex<(VisitCounts, Instant)>,
}

/// Views per (unit, Vietnam's day `YYYY-MM-DD`).
type VisitCounts = HashMap<(i64, String), i64>;

/// How long counted visits wait in memory before they are written.
const VISITS_FLUSH: Duration = Duration::from_secs(60);

impl Default for Visits {
    fn default() -> Visits {
        // The first visit after a start is written at once (a fresh process has nothing to
        // batch yet), the following ones once a minute.
        let started = Instant::now();
        Visits {
            counts: Mutex::new((HashMap::new(), started.checked_sub(VISITS_FLUSH).unwrap_or(started))),
        }
    }
}

/// Counts one page view of the unit `unit_id`; once a minute the counts are written.
pub async fn count_visit(app: &App, unit_id: i64) -> Result<()> {
    let day = lanhmang_domain::report::vietnam_date(OffsetDateTime::now_utc()).to_string();
    let due = {
        // A poisoned lock only means another request panicked mid-count: the map is still whole.
        let mut guard = app.visits.counts.lock().unwrap_or_else(|e| e.into_inner());
        *guard.0.entry((unit_id, day)).or_insert(0) += 1;
        if guard.1.elapsed() >= VISITS_FLUSH {
            guard.1 = Instant::now();
            Some(std::mem::take(&mut guard.0))
        } else {
            None
        }
    };
    if let Some(counts) = due {
        write_visits(app, counts).await?;
    }
    Ok(())
}

/// Writes the visits counted so far (at shutdown, and in tests).
pub async fn flush_visits(app: &App) -> Result<()> {
    let counts = {
        let mut guard = app.visits.counts.lock().unwrap_or_else(|e| e.into_inner());
        guard.1 = Instant::now();
        std::mem::take(&mut guard.0)
    };
    write_visits(app, counts).await
}

async fn write_visits(app: &App, counts: VisitCounts) -> Result<()> {
    let rows: Vec<(i64, String, i64)> = counts.into_iter().map(|((u, d), n)| (u, d, n)).collect();
    Ok(app.store.add_public_visits(&rows).await?)
}
