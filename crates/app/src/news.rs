//! Sector news (S4.2, S1.1) as the pages and the API apply it: the search filters checked
//! against the person's scope, who sees and manages which topics, adding press feeds, and the
//! window of the posts-per-month figure. Only institutions' public sites and press feeds are
//! followed, never personal accounts.

use std::collections::BTreeSet;

use lanhmang_domain::permission::{can_somewhere, scope_roots};
use lanhmang_domain::plan::parse_date;
use lanhmang_domain::text::date_text;
use lanhmang_domain::{Action, Paging, Target, UnitKind};
use lanhmang_store::news::{
    NewsFeed, NewsFilter, NewsItem, NewsSort, NewsTopic, SiteActivity, check_feed_url, check_topic,
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

/// The window of the posts-per-month figure on the activity page: twelve calendar months,
/// this one (to today) and the eleven before.
pub fn activity_window(today: Date) -> (Date, Date) {
    let mut from = today.replace_day(1).unwrap_or(today);
    for _ in 0..11 {
        let previous = from - Duration::days(1);
        from = previous.replace_day(1).unwrap_or(previous);
    }
    (from, today)
}

/// Each site's publishing over the window, for the sites someone sees.
pub async fn site_activity(
    app: &App,
    actor: &Actor,
    today: Date,
    paging: Paging,
) -> Result<((Date, Date), Vec<SiteActivity>, i64)> {
    let (from, to) = activity_window(today);
    let roots = scope_roots(&actor.permissions, Action::ViewNews);
    let (rows, total) = app.store.news_site_activity(&roots, from, to, paging).await?;
    Ok(((from, to), rows, total))
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
    fn parsing_and_the_activity_window() {
        assert!(parse_positive("0", "đơn vị").is_err());
        assert!(parse_day("31/02/2026", "Ngày").is_err());
        assert_eq!(parse_day("15/10/2026", "Ngày").unwrap(), date!(2026 - 10 - 15));
        assert_eq!(
            activity_window(date!(2026 - 10 - 15)),
            (date!(2025 - 11 - 01), date!(2026 - 10 - 15))
        );
        assert_eq!(
            activity_window(date!(2026 - 03 - 31)),
            (date!(2025 - 04 - 01), date!(2026 - 03 - 31))
        );
    }
}
