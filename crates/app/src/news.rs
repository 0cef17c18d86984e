//! Sector news (S4.2, S1.1) as the pages and the API apply it: the search filters checked
//! against the person's scope, who sees and manages which topics, adding press feeds, and the
//! window of the posts-per-month figure. Only institutions' public sites and press feeds are
//! followed, never personal accounts.

use std::collections::BTreeSet;

use lanhmang_domain::news::{keyword_groups, months_between, query_groups};
use lanhmang_domain::permission::{can_somewhere, scope_roots};
use lanhmang_domain::plan::parse_date;
use lanhmang_domain::school_year::SchoolYear;
use lanhmang_domain::text::date_text;
use lanhmang_domain::{Action, Paging, Target, UnitKind};
use lanhmang_store::news::{
    NewsFeed, NewsFilter, NewsItem, NewsSort, NewsTopic, UnitActivity, check_feed_url, check_topic,
};
use lanhmang_store::outbox::NewMail;
use lanhmang_store::{Unit, UnitFilter};
use time::{Date, Duration};

use crate::{Actor, App, AppError, Problem, Result};

/// The most units offered in a choice list.
const CHOICES_MAX: u32 = 500;

/// The raw filter values, by their meaning (the page and the API name them differently).
#[derive(Debug, Default, Clone)]
pub struct RawNewsFilter {
    pub q: Option<String>,
    pub unit_id: Option<String>,
    pub site_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub topic: Option<String>,
    pub sort: Option<String>,
}

/// Why a filter could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterProblem {
    /// Malformed input, with the reason.
    Invalid(String),
    /// A unit, site or topic outside the person's scope (or that does not exist).
    OutOfScope(String),
}

impl FilterProblem {
    pub fn message(&self) -> &str {
        match self {
            FilterProblem::Invalid(m) | FilterProblem::OutOfScope(m) => m,
        }
    }
}

fn blank(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn shown(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).take(60).collect()
}

fn parse_positive(raw: &str, what: &str) -> Result<i64, FilterProblem> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| {
        FilterProblem::Invalid(format!(
            "Mã {what} «{}» không hợp lệ (phải là số nguyên dương).",
            shown(raw)
        ))
    })
}

fn parse_day(raw: &str, what: &str) -> Result<Date, FilterProblem> {
    parse_date(raw).map_err(|_| {
        FilterProblem::Invalid(format!(
            "{what} «{}» không hợp lệ (dùng dạng 2026-10-15 hoặc 15/10/2026).",
            shown(raw)
        ))
    })
}

/// Every unit on the path from the roots to the person's own units: whose topics they see.
pub async fn topic_units(app: &App, actor: &Actor) -> Result<Vec<i64>> {
    let units = crate::plans::grant_units(app, actor).await?;
    let ids: BTreeSet<i64> = units.iter().flat_map(|u| u.ancestry.iter().copied()).collect();
    Ok(ids.into_iter().collect())
}

/// Checks every filter against the person's scope; every problem found is listed.
pub async fn news_filter(
    app: &App,
    actor: &Actor,
    raw: &RawNewsFilter,
) -> Result<Result<NewsFilter, Vec<FilterProblem>>> {
    let mut problems = Vec::new();
    let mut filter = NewsFilter {
        roots: scope_roots(&actor.permissions, Action::ViewNews),
        query: blank(&raw.q).map(|q| q.chars().take(200).collect()),
        ..Default::default()
    };
    if let Some(v) = blank(&raw.unit_id) {
        match parse_positive(v, "đơn vị") {
            Ok(id) => match app.store.unit(id).await? {
                Some(u) if actor.may(Action::ViewNews, Target::Unit(&u.ancestry)) => filter.unit_id = Some(id),
                _ => problems.push(FilterProblem::OutOfScope(
                    "Đơn vị đã chọn không có hoặc không thuộc phạm vi của bạn.".into(),
                )),
            },
            Err(p) => problems.push(p),
        }
    }
    if let Some(v) = blank(&raw.site_id) {
        match parse_positive(v, "trang web") {
            Ok(id) => {
                let unit = match app.store.news_site_unit(id).await? {
                    Some(u) => app.store.unit(u).await?,
                    None => None,
                };
                match unit {
                    Some(u) if actor.may(Action::ViewNews, Target::Unit(&u.ancestry)) => filter.site_id = Some(id),
                    _ => problems.push(FilterProblem::OutOfScope(
                        "Trang web đã chọn không có hoặc không thuộc phạm vi của bạn.".into(),
                    )),
                }
            }
            Err(p) => problems.push(p),
        }
    }
    if let Some(v) = blank(&raw.from) {
        match parse_day(v, "Ngày bắt đầu") {
            Ok(d) => filter.from = Some(d),
            Err(p) => problems.push(p),
        }
    }
    if let Some(v) = blank(&raw.to) {
        match parse_day(v, "Ngày kết thúc") {
            Ok(d) => filter.to = Some(d),
            Err(p) => problems.push(p),
        }
    }
    if let (Some(a), Some(b)) = (filter.from, filter.to)
        && a > b
    {
        problems.push(FilterProblem::Invalid("Ngày bắt đầu đang sau ngày kết thúc.".into()));
    }
    if let Some(v) = blank(&raw.topic) {
        match parse_positive(v, "chủ đề") {
            Ok(id) => {
                let visible = topic_units(app, actor).await?;
                match app.store.news_topic(id).await? {
                    Some(t) if t.unit_id.is_none_or(|u| visible.contains(&u)) => filter.topic_id = Some(id),
                    _ => problems.push(FilterProblem::OutOfScope("Chủ đề đã chọn không có.".into())),
                }
            }
            Err(p) => problems.push(p),
        }
    }
    match blank(&raw.sort) {
        // A typed query is answered best first; without one, newest first.
        None if filter.query.as_deref().is_some_and(|q| !query_groups(q).is_empty()) => {
            filter.sort = NewsSort::Relevance
        }
        None | Some("newest") | Some("moi-nhat") => {}
        Some("relevance") | Some("phu-hop") => filter.sort = NewsSort::Relevance,
        Some(other) => problems.push(FilterProblem::Invalid(format!(
            "Cách sắp xếp «{}» không hợp lệ (newest hoặc relevance).",
            shown(other)
        ))),
    }
    Ok(if problems.is_empty() { Ok(filter) } else { Err(problems) })
}

/// A page of entries matching a checked filter.
pub async fn search(app: &App, filter: &NewsFilter, paging: Paging) -> Result<(Vec<NewsItem>, i64)> {
    Ok(app.store.search_news(filter, paging).await?)
}

/// What a page marks in titles and snippets (`lanhmang_domain::news::highlight`): the query's
/// words and phrases, and the chosen topic's keywords.
pub async fn matched_words(app: &App, filter: &NewsFilter) -> Result<Vec<Vec<String>>> {
    let mut groups = filter.query.as_deref().map(query_groups).unwrap_or_default();
    if let Some(id) = filter.topic_id
        && let Some(topic) = app.store.news_topic(id).await?
    {
        groups.extend(keyword_groups(&topic.keywords));
    }
    Ok(groups)
}

/// The units someone may narrow the news to (at most 500), with the total in scope.
pub async fn units_in_view(app: &App, actor: &Actor) -> Result<(Vec<Unit>, i64)> {
    let roots = scope_roots(&actor.permissions, Action::ViewNews);
    Ok(app
        .store
        .list_units(
            &roots,
            &UnitFilter::default(),
            Paging {
                page: 1,
                per_page: CHOICES_MAX,
            },
        )
        .await?)
}

/// Whether someone manages news anywhere (the pages show the forms).
pub fn can_manage(actor: &Actor) -> bool {
    can_somewhere(&actor.permissions, Action::ManageNews)
}

// ---------------------------------------------------------------------------------------------
// Topics.

/// Whether someone may manage topics owned by `owner` (none: the defaults, which need the
/// system administrator; an office's: someone who manages news for that office).
async fn may_manage_owner(app: &App, actor: &Actor, owner: Option<i64>) -> Result<bool> {
    Ok(match owner {
        None => actor.may(Action::ManageNews, Target::System),
        Some(u) => match app.store.unit(u).await? {
            Some(unit) => actor.may(Action::ManageNews, Target::Unit(&unit.ancestry)),
            None => false,
        },
    })
}

/// A topic someone sees, with its owner's name and whether they may change it.
#[derive(Debug, Clone)]
pub struct TopicView {
    pub topic: NewsTopic,
    /// "Mặc định" for the defaults, else the office's name.
    pub owner: String,
    pub editable: bool,
}

/// The topics someone sees: the defaults and those of the offices above their units.
pub async fn visible_topics(app: &App, actor: &Actor) -> Result<Vec<TopicView>> {
    let topics = app.store.news_topics(&topic_units(app, actor).await?).await?;
    let mut out = Vec::with_capacity(topics.len());
    for topic in topics {
        let owner = match topic.unit_id {
            None => "Mặc định".to_string(),
            Some(u) => app.store.unit(u).await?.map(|u| u.name).unwrap_or_default(),
        };
        let editable = may_manage_owner(app, actor, topic.unit_id).await?;
        out.push(TopicView { topic, owner, editable });
    }
    Ok(out)
}

/// Where a new topic may belong: none (every unit) for the system administrator, and the
/// offices (not schools) where the person manages news.
pub async fn topic_owners(app: &App, actor: &Actor) -> Result<Vec<(Option<i64>, String)>> {
    let mut out = Vec::new();
    if !can_manage(actor) {
        return Ok(out);
    }
    if actor.may(Action::ManageNews, Target::System) {
        out.push((None, "Mặc định cho mọi đơn vị".to_string()));
    }
    out.extend(
        managed_offices(app, actor)
            .await?
            .into_iter()
            .map(|u| (Some(u.id), u.name)),
    );
    Ok(out)
}

/// The offices (not schools) where someone manages news.
pub async fn managed_offices(app: &App, actor: &Actor) -> Result<Vec<Unit>> {
    if !can_manage(actor) {
        return Ok(Vec::new());
    }
    let roots = scope_roots(&actor.permissions, Action::ManageNews);
    let (units, _) = app
        .store
        .list_units(
            &roots,
            &UnitFilter::default(),
            Paging {
                page: 1,
                per_page: CHOICES_MAX,
            },
        )
        .await?;
    Ok(units.into_iter().filter(|u| u.kind != UnitKind::School).collect())
}

/// A topic's name and keywords, checked (the store checks again before writing).
fn checked_topic(name: &str, keywords: &str) -> Result<()> {
    check_topic(name, keywords)
        .map(|_| ())
        .map_err(|m| AppError::Invalid(vec![Problem::new(m)]))
}

/// Creates a topic owned by `owner` (the raw form value: empty for a default).
pub async fn create_topic(app: &App, actor: &Actor, owner: &str, name: &str, keywords: &str) -> Result<NewsTopic> {
    let owner = match owner.trim() {
        "" => None,
        raw => Some(
            raw.parse::<i64>()
                .map_err(|_| AppError::Invalid(vec![Problem::at("owner", "Đơn vị đã chọn không hợp lệ.")]))?,
        ),
    };
    if !may_manage_owner(app, actor, owner).await? {
        return Err(AppError::Forbidden);
    }
    checked_topic(name, keywords)?;
    Ok(app
        .store
        .create_news_topic(&actor.audit(), owner, name, keywords)
        .await?)
}

/// A topic someone may change. A topic they cannot even see does not exist for them.
pub async fn editable_topic(app: &App, actor: &Actor, id: i64) -> Result<NewsTopic> {
    let topic = app.store.news_topic(id).await?.ok_or(AppError::NotFound)?;
    if may_manage_owner(app, actor, topic.unit_id).await? {
        return Ok(topic);
    }
    let visible = topic_units(app, actor).await?;
    Err(if topic.unit_id.is_none_or(|u| visible.contains(&u)) {
        AppError::Forbidden
    } else {
        AppError::NotFound
    })
}

pub async fn update_topic(app: &App, actor: &Actor, id: i64, name: &str, keywords: &str) -> Result<NewsTopic> {
    let topic = editable_topic(app, actor, id).await?;
    checked_topic(name, keywords)?;
    Ok(app
        .store
        .update_news_topic(&actor.audit(), topic.id, name, keywords)
        .await?)
}

pub async fn delete_topic(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let topic = editable_topic(app, actor, id).await?;
    Ok(app.store.delete_news_topic(&actor.audit(), topic.id).await?)
}

// ---------------------------------------------------------------------------------------------
// Feeds.

/// A page of the feeds someone sees.
pub async fn feeds(app: &App, actor: &Actor, paging: Paging) -> Result<(Vec<NewsFeed>, i64)> {
    let roots = scope_roots(&actor.permissions, Action::ViewNews);
    Ok(app.store.list_news_feeds(&roots, paging).await?)
}

/// Adds a press feed for an office (not a school) where the person manages news. A bad or
/// personal address is `Invalid`; an address followed already is a conflict.
pub async fn add_press_feed(app: &App, actor: &Actor, office: &str, url: &str, title: &str) -> Result<NewsFeed> {
    let office = match office.trim().parse::<i64>() {
        Ok(id) => app.store.unit(id).await?,
        Err(_) => None,
    };
    let office = match office {
        Some(u) if u.kind != UnitKind::School && actor.may(Action::ManageNews, Target::Unit(&u.ancestry)) => u,
        _ => {
            return Err(AppError::Invalid(vec![Problem::at(
                "don_vi",
                "Hãy chọn đơn vị (Phòng/Sở) thuộc phạm vi bạn quản lý.",
            )]));
        }
    };
    check_feed_url(url).map_err(|m| AppError::Invalid(vec![Problem::at("url", m)]))?;
    Ok(app.store.add_press_feed(&actor.audit(), office.id, url, title).await?)
}

// ---------------------------------------------------------------------------------------------
// Publishing activity.

/// A school's posts per month (indicator S4.2, `s4_2_posts_per_month`), defined once for the
/// yearly report's pre-fill and the activity page: the entries published on the school's
/// registered (active) websites during the school year so far — from 1 September to today, or
/// to 31 May once the year's teaching is over — divided by the calendar months that period
/// touches, the current month counted whole. Rounded to one decimal, as both show it. Unknown
/// (None) when those sites have no feed we read: no feed is not zero posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostsPerMonth {
    pub posts: i64,
    pub months: i64,
}

impl PostsPerMonth {
    /// The period counted for `year` as of `today`; None before the year's 1 September.
    pub fn window(year: SchoolYear, today: Date) -> Option<(Date, Date)> {
        let from = Date::from_calendar_date(year.start_year, time::Month::September, 1).ok()?;
        let last = Date::from_calendar_date(year.start_year + 1, time::Month::May, 31).ok()?;
        (today >= from).then(|| (from, today.min(last)))
    }

    /// The school year whose figure is shown on `today`: the one under way, or, in August
    /// before the new one starts, the one just ended.
    pub fn current_year(today: Date) -> SchoolYear {
        let year = SchoolYear::containing(today);
        if Self::window(year, today).is_some() {
            year
        } else {
            SchoolYear {
                start_year: year.start_year - 1,
            }
        }
    }

    /// The figure from a unit's activity over `window`; None when its sites have no feed.
    pub fn of(activity: &UnitActivity, (from, to): (Date, Date)) -> Option<PostsPerMonth> {
        (activity.feeds > 0).then(|| PostsPerMonth {
            posts: activity.entries,
            months: months_between(from, to),
        })
    }

    /// Posts per month, to one decimal.
    pub fn value(self) -> f64 {
        (self.posts as f64 / self.months.max(1) as f64 * 10.0).round() / 10.0
    }

    /// As Vietnamese readers write it: "2,5".
    pub fn text(self) -> String {
        lanhmang_domain::report::format_number(self.value())
    }

    /// One school's figure for `year` as of `today` (None: not measurable, or the year has not
    /// started).
    pub async fn for_unit(
        store: &lanhmang_store::Store,
        unit_id: i64,
        year: SchoolYear,
        today: Date,
    ) -> Result<Option<PostsPerMonth>> {
        let Some(window) = Self::window(year, today) else {
            return Ok(None);
        };
        // A school has no units below it: its subtree is itself (the filter keeps it exact).
        let (rows, _) = store
            .news_unit_activity(
                &[unit_id],
                window.0,
                window.1,
                Paging {
                    page: 1,
                    per_page: lanhmang_domain::paging::MAX_PER_PAGE,
                },
            )
            .await?;
        Ok(rows
            .iter()
            .find(|r| r.unit_id == unit_id)
            .and_then(|r| Self::of(r, window)))
    }
}

/// One row of the activity page: a unit's sites and its posts per month.
#[derive(Debug, Clone)]
pub struct ActivityRow {
    pub activity: UnitActivity,
    pub per_month: Option<PostsPerMonth>,
}

/// Each unit's publishing over the current school year so far, for the units someone sees:
/// the period, the rows (least active first) and their total.
pub async fn unit_activity(
    app: &App,
    actor: &Actor,
    today: Date,
    paging: Paging,
) -> Result<((Date, Date), Vec<ActivityRow>, i64)> {
    let year = PostsPerMonth::current_year(today);
    let window = PostsPerMonth::window(year, today).unwrap_or((today, today));
    let roots = scope_roots(&actor.permissions, Action::ViewNews);
    let (rows, total) = app.store.news_unit_activity(&roots, window.0, window.1, paging).await?;
    let rows = rows
        .into_iter()
        .map(|activity| ActivityRow {
            per_month: PostsPerMonth::of(&activity, window),
            activity,
        })
        .collect();
    Ok((window, rows, total))
}

// ---------------------------------------------------------------------------------------------
// The weekly digest.

/// An ISO week as the digest names it: "2026-W48".
pub fn iso_week(d: Date) -> String {
    let (year, week, _) = d.to_iso_week_date();
    format!("{year}-W{week:02}")
}

/// Queues the weekly digest to every office that follows feeds: the last seven days' new
/// entries per topic (count and a few titles) and the schools whose sites published nothing.
/// One mail per office administrator per ISO week (dedup keys). Returns how many were queued.
pub async fn queue_weekly_digest(app: &App, today: Date) -> Result<usize> {
    let store = &app.store;
    let week = iso_week(today);
    let from = today - Duration::days(6);
    let since = lanhmang_store::now() - Duration::days(7);
    let mut queued = 0;
    for office in store.news_digest_offices().await? {
        if office.recipients.is_empty() {
            continue;
        }
        let base = NewsFilter {
            roots: vec![office.unit_id],
            from: Some(from),
            to: Some(today),
            ..Default::default()
        };
        let (_, total) = store.search_news(&base, Paging { page: 1, per_page: 1 }).await?;
        let mut body = format!(
            "Tin tức ngành tuần {week} ({} – {}) của {}.\n\nTổng số tin mới: {total}.\n",
            date_text(from),
            date_text(today),
            office.name
        );
        for topic in store.news_topics(&office.ancestry).await? {
            let filter = NewsFilter {
                topic_id: Some(topic.id),
                ..base.clone()
            };
            let (items, n) = store.search_news(&filter, Paging { page: 1, per_page: 3 }).await?;
            body.push_str(&format!("\n{} – {n} tin\n", topic.name));
            for item in items {
                body.push_str(&format!("  • {} ({})\n", item.title, item.url));
            }
        }
        let silent = store.news_silent_sites(office.unit_id, since, 31).await?;
        if silent.is_empty() {
            body.push_str("\nTất cả trang web của các trường đều có tin mới trong tuần.\n");
        } else {
            body.push_str("\nCác trường có trang web không đăng tin nào trong tuần:\n");
            for (name, url) in silent.iter().take(30) {
                body.push_str(&format!("  • {name} – {url}\n"));
            }
            if silent.len() > 30 {
                body.push_str("  • … và các trường khác (xem mục Tin tức → Hoạt động đăng tin).\n");
            }
        }
        body.push_str(&format!(
            "\nXem và tìm kiếm đầy đủ tại mục Tin tức của Lành Mạng: {}\n\nTrân trọng,\nLành Mạng",
            app.settings.links.url("/tin-tuc")
        ));
        for (name, email) in &office.recipients {
            let mail = NewMail {
                to_address: email.clone(),
                to_name: name.clone(),
                subject: format!("Tin tức ngành tuần {week}: {total} tin mới"),
                body: format!("Kính gửi {name},\n\n{body}"),
                reason: "news_digest",
                plan_id: None,
                unit_id: Some(office.unit_id),
                dedup_key: Some(format!("news_digest:{}:{email}:{week}", office.unit_id)),
            };
            match store.queue_mail(&mail).await {
                Ok(true) => queued += 1,
                Ok(false) => {}
                // One bad address must not stop the others' digest.
                Err(lanhmang_store::StoreError::Conflict(m)) => tracing::warn!(%m, "news digest not queued"),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn parsing_and_the_posts_per_month_window() {
        assert!(parse_positive("0", "đơn vị").is_err());
        assert!(parse_day("31/02/2026", "Ngày").is_err());
        assert_eq!(parse_day("15/10/2026", "Ngày").unwrap(), date!(2026 - 10 - 15));
        let y2026 = SchoolYear { start_year: 2026 };
        assert_eq!(
            PostsPerMonth::window(y2026, date!(2026 - 12 - 05)),
            Some((date!(2026 - 09 - 01), date!(2026 - 12 - 05)))
        );
        assert_eq!(
            PostsPerMonth::window(y2026, date!(2027 - 07 - 10)),
            Some((date!(2026 - 09 - 01), date!(2027 - 05 - 31))),
            "the summer counts nothing"
        );
        assert_eq!(PostsPerMonth::window(y2026, date!(2026 - 08 - 20)), None);
        assert_eq!(PostsPerMonth::current_year(date!(2026 - 12 - 05)), y2026);
        assert_eq!(
            PostsPerMonth::current_year(date!(2026 - 08 - 20)),
            SchoolYear { start_year: 2025 }
        );
        // September to December: four months; 10 posts are 2.5 a month.
        let p = PostsPerMonth { posts: 10, months: 4 };
        assert_eq!((p.value(), p.text()), (2.5, "2,5".to_string()));
        // One rounding for every page: 0.25 is 0.3 everywhere.
        assert_eq!(PostsPerMonth { posts: 1, months: 4 }.text(), "0,3");
    }
}
