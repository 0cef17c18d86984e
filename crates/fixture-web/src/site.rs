//! One simulated school site, rebuilt from (seed, index) on every request: identity, news,
//! disclosure section, feeds, robots, sitemap, links, and how its defects show.

use lanhmang_domain::text::fold_vi;
use time::{Date, Duration};

use super::World;
use super::headers::{self, Profile};
use super::rng::{Rng, mix};
use super::scenario::{Defects, Hostile};
use super::text::{self, PARTS};
use lanhmang_domain::finding::FindingCode as F;

const STREAM_SITE: u64 = 1;
const STREAM_ARTICLE: u64 = 1_000;
pub(crate) const STREAM_BROKEN: u64 = 2;

/// What a site is, from the defect layout and the seed; cheap enough for 10,000 manifest rows.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    pub index: usize,
    pub host: String,
    pub defects: Defects,
    /// Whether the canonical URL is https.
    pub https: bool,
    pub header_profile: u32,
    pub hostile: Option<Hostile>,
    /// Random bits choosing techniques (hiding method, redirect kind, …).
    pub variant: u64,
}

impl Spec {
    pub(crate) fn has(&self, code: F) -> bool {
        self.defects.has(code)
    }

    /// A technique choice in `0..n`, stable per site and purpose.
    pub(crate) fn pick(&self, purpose: u64, n: u64) -> u64 {
        mix(self.variant ^ purpose.wrapping_mul(0x2545_F491_4F6C_DD1D)) % n
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cms {
    Custom,
    WordPress,
    Joomla,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FeedKind {
    Rss,
    Atom,
    Json,
}

#[derive(Clone, Debug)]
pub(crate) struct FeedDef {
    pub kind: FeedKind,
    /// Path, with a query string for Joomla's feeds.
    pub path: String,
}

pub(crate) struct School {
    pub full: String,
    pub short: String,
    pub level: u8,
    pub commune: &'static str,
    pub province: &'static str,
    pub principal: String,
    /// "cô Nguyễn Thị Lan" or "thầy Trần Văn Hùng".
    pub principal_called: String,
    pub phone: String,
    pub email: String,
    pub founded: i32,
    pub classes: i64,
    pub pupils: i64,
    pub staff: i64,
}

pub(crate) struct Article {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub date: Date,
    pub hour: u8,
    pub minute: u8,
    /// `None` for the anti-gambling article.
    pub topic: Option<usize>,
    pub path: String,
    pub image: String,
}

pub(crate) struct DisclosurePart {
    pub part: usize,
    pub heading: String,
    pub path: String,
}

pub(crate) struct Disclosure {
    pub title: &'static str,
    pub path: String,
    pub single_page: bool,
    pub parts: Vec<DisclosurePart>,
}

pub(crate) struct Robots {
    pub disallow: Vec<&'static str>,
    pub allow: Vec<&'static str>,
    pub trap: bool,
    pub sitemap_line: bool,
    pub extra_group: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SitemapKind {
    Plain,
    WordPressIndex,
}

/// How a malicious redirect is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RedirectKind {
    Http302,
    MetaRefresh,
    Script,
}

pub(crate) struct Site<'w> {
    pub w: &'w World,
    pub spec: Spec,
    pub origin: String,
    pub cms: Cms,
    pub cms_version: &'static str,
    pub generator_meta: bool,
    pub ver_query: bool,
    pub powered_by: Option<&'static str>,
    pub server: &'static str,
    pub theme: &'static str,
    pub school: School,
    pub articles: Vec<Article>,
    pub disclosure: Option<Disclosure>,
    pub feeds: Vec<FeedDef>,
    pub feeds_advertised: bool,
    pub robots: Option<Robots>,
    pub sitemap: Option<SitemapKind>,
    pub broken_internal: Vec<String>,
    pub broken_external: Vec<String>,
    pub ext_links: Vec<(&'static str, String)>,
    pub gambling: u32,
    pub redirect: RedirectKind,
    pub profile: Profile,
    pub nonce: String,
    pub session: String,
    pub newest: Date,
}

pub(crate) fn slugify(s: &str) -> String {
    let folded = fold_vi(s);
    let mut out = String::with_capacity(folded.len());
    let mut dash = false;
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    out
}

/// "2025-2026" for a date: a school year starts in September.
pub(crate) fn school_year(d: Date) -> String {
    let y = d.year();
    if u8::from(d.month()) >= 8 {
        format!("{}-{}", y, y + 1)
    } else {
        format!("{}-{}", y - 1, y)
    }
}

pub(crate) fn next_school_year(d: Date) -> String {
    let y = d.year();
    if u8::from(d.month()) >= 8 {
        format!("{}-{}", y + 1, y + 2)
    } else {
        format!("{}-{}", y, y + 1)
    }
}

pub(crate) fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

pub(crate) fn ymd(d: Date) -> String {
    format!("{}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

const WP_OLD: [&str; 5] = ["4.9.8", "5.2.4", "5.4.2", "5.8.3", "5.9.5"];
const WP_NEW: [&str; 4] = ["6.4.3", "6.5.5", "6.6.2", "6.7.1"];
const JOOMLA_OLD: [&str; 3] = ["3.9.28", "3.10.12", "2.5.28"];
const JOOMLA_NEW: [&str; 2] = ["4.4.9", "5.1.4"];
const POWERED_BY: [&str; 3] = ["PHP/7.4.33", "PHP/8.1.2", "ASP.NET"];

/// The broken links placed on a site, as absolute URLs (internal ones first).
pub(crate) fn broken_links(w: &World, spec: &Spec) -> (Vec<String>, Vec<String>) {
    let mut r = Rng::new(w.seed, spec.index as u64, STREAM_BROKEN);
    let mut internal = Vec::new();
    let mut external = Vec::new();
    let y = w.today.year() - r.range(1, 6) as i32;
    if spec.has(F::BrokenInternalLink) {
        let n = r.range(1, 3);
        let templates = [
            "/van-ban/ke-hoach-nam-hoc-{y}-{n}.pdf",
            "/thong-bao/lich-thi-hoc-ky-{n}.html",
            "/tin-tuc/le-be-giang-nam-hoc-{y}-{n}.html",
            "/files/danh-sach-khen-thuong-{n}.xlsx",
            "/thu-vien-anh/album-{n}/",
        ];
        let start = r.below(templates.len());
        for k in 0..n as usize {
            let t = templates[(start + k) % templates.len()];
            internal.push(
                t.replace("{y}", &y.to_string())
                    .replace("{n}", &r.range(10, 99).to_string()),
            );
        }
    }
    if spec.has(F::BrokenExternalLink) {
        let n = r.range(1, 2);
        let templates = [
            "/het-han/van-ban-{n}.html",
            "/het-han/thong-bao-{n}.pdf",
            "/het-han/cong-van-{y}-{n}/",
        ];
        let start = r.below(templates.len());
        for k in 0..n as usize {
            let t = templates[(start + k) % templates.len()];
            let path = t
                .replace("{y}", &y.to_string())
                .replace("{n}", &r.range(100, 999).to_string());
            external.push(format!("{}{}", w.ext_origin("ext.fixture.localhost"), path));
        }
    }
    (internal, external)
}

impl<'w> Site<'w> {
    pub(crate) fn build(w: &'w World, spec: Spec) -> Site<'w> {
        let d = spec.defects;
        let mut r = Rng::new(w.seed, spec.index as u64, STREAM_SITE);
        let origin = w.origin(spec.https, &spec.host);

        // Software and what it reveals.
        let (cms, cms_version, generator_meta, ver_query, powered_by) =
            match (d.has(F::OutdatedCms), d.has(F::GeneratorDisclosed)) {
                (true, true) => {
                    if r.chance(50) {
                        (Cms::WordPress, r.pick(&WP_OLD), true, r.chance(50), None)
                    } else {
                        (Cms::Joomla, r.pick(&JOOMLA_OLD), true, false, None)
                    }
                }
                (true, false) => (Cms::WordPress, r.pick(&WP_OLD), false, true, None),
                (false, true) => match r.below(3) {
                    0 => (Cms::WordPress, r.pick(&WP_NEW), true, false, None),
                    1 => (Cms::Joomla, r.pick(&JOOMLA_NEW), true, false, None),
                    _ => (Cms::Custom, "", false, false, Some(r.pick(&POWERED_BY))),
                },
                (false, false) => (
                    r.pick(&[Cms::Custom, Cms::Custom, Cms::WordPress, Cms::Joomla]),
                    "",
                    false,
                    false,
                    None,
                ),
            };
        let server = match cms {
            Cms::Custom => r.pick(&["nginx", "Apache", "nginx"]),
            _ => r.pick(&["Apache", "LiteSpeed", "nginx"]),
        };
        let theme = r.pick(&["truonghoc", "edu-portal", "school-press", "vnedu-theme"]);

        // Identity.
        let level = r.below(3) as u8;
        let name = r.pick(&text::SCHOOL_NAMES);
        let name = if r.chance(20) {
            format!("{name} {}", r.range(1, 3))
        } else {
            name.to_string()
        };
        let (full, short) = match level {
            0 => (format!("Trường Tiểu học {name}"), format!("TH {name}")),
            1 => {
                if r.chance(50) {
                    (format!("Trường THCS {name}"), format!("THCS {name}"))
                } else {
                    (format!("Trường Trung học cơ sở {name}"), format!("THCS {name}"))
                }
            }
            _ => (
                format!("Trường Tiểu học và Trung học cơ sở {name}"),
                format!("TH&THCS {name}"),
            ),
        };
        let surname = r.pick(&text::SURNAMES);
        let middle = r.pick(&text::MIDDLE_NAMES);
        let given = r.pick(&text::GIVEN_NAMES);
        let principal = format!("{surname} {middle} {given}");
        let called = if matches!(middle, "Thị" | "Thu" | "Kim" | "Ngọc") {
            "cô"
        } else {
            "thầy"
        };
        let school = School {
            principal_called: format!("{called} {principal}"),
            principal,
            commune: r.pick(&text::COMMUNES),
            province: r.pick(&text::PROVINCES),
            phone: format!("0{} {} {}", r.range(203, 299), r.range(100, 999), r.range(100, 999)),
            email: format!("{}@fixture.localhost", slugify(&short).replace('-', "")),
            founded: r.range(1960, 2005) as i32,
            classes: r.range(12, 36),
            pupils: r.range(380, 1250),
            staff: r.range(25, 70),
            full,
            short,
            level,
        };

        // News.
        let stale = d.has(F::StaleContent);
        let newest = w.today - Duration::days(if stale { r.range(400, 1100) } else { r.range(1, 25) });
        let count = r.range(8, 14) as usize;
        let clean = d.is_empty();
        let anti = clean || r.chance(70);
        let anti_pos = r.range(0, 3) as usize;
        let mut topics: Vec<usize> = (0..text::TOPICS.len()).collect();
        r.shuffle(&mut topics);
        let base_id = r.range(120, 4800);
        let mut articles = Vec::with_capacity(count);
        let mut date = newest;
        let mut next_topic = topics.into_iter();
        for k in 0..count {
            if k > 0 {
                date -= Duration::days(if stale { r.range(5, 21) } else { r.range(2, 12) });
            }
            let topic = if anti && k == anti_pos { None } else { next_topic.next() };
            let id = base_id + (count - k) as i64;
            let title = match topic {
                Some(t) => text::TOPICS[t].title,
                None => r.pick(&text::AG_TITLES),
            };
            let title = title
                .replace("{nam_hoc}", &school_year(date))
                .replace("{nam_hoc_sau}", &next_school_year(date))
                .replace("{ten}", &school.short)
                .replace("{lop}", if school.level == 1 { "lớp 6" } else { "lớp 1" });
            let slug = slugify(&title);
            articles.push(Article {
                id,
                slug,
                date,
                hour: r.range(7, 17) as u8,
                minute: r.range(0, 59) as u8,
                topic,
                path: String::new(),
                image: String::new(),
                title,
            });
        }

        // Disclosure section.
        let disclosure = (!d.has(F::DisclosureMissing)).then(|| {
            let title = r.pick(&text::DISCLOSURE_TITLES);
            let slug = r.pick(&text::DISCLOSURE_SLUGS);
            let mut parts: Vec<usize> = (0..PARTS.len()).collect();
            if d.has(F::DisclosureIncomplete) {
                let missing = r.range(2, 4) as usize;
                r.shuffle(&mut parts);
                parts.truncate(PARTS.len() - missing);
                parts.sort_unstable();
            }
            let single_page = r.chance(30);
            let year = newest.year().to_string();
            let parts = parts
                .into_iter()
                .map(|p| DisclosurePart {
                    part: p,
                    heading: r.pick(&PARTS[p].headings).replace("{nam}", &year),
                    path: r.pick(&PARTS[p].slugs).to_string(),
                })
                .collect();
            Disclosure {
                title,
                path: slug.to_string(),
                single_page,
                parts,
            }
        });

        // Feeds.
        let mut feeds = Vec::new();
        let mut feeds_advertised = true;
        if d.has(F::MalformedFeed) {
            let kind = r.pick(&[FeedKind::Rss, FeedKind::Atom]);
            let path = if kind == FeedKind::Rss {
                r.pick(&["/feed", "/rss.xml"])
            } else {
                "/atom.xml"
            };
            feeds.push(FeedDef {
                kind,
                path: path.to_string(),
            });
        } else {
            match cms {
                Cms::WordPress => {
                    feeds.push(FeedDef {
                        kind: FeedKind::Rss,
                        path: "/feed/".into(),
                    });
                    if r.chance(40) {
                        feeds.push(FeedDef {
                            kind: FeedKind::Atom,
                            path: "/feed/atom/".into(),
                        });
                    }
                    feeds_advertised = r.chance(80);
                }
                Cms::Joomla => {
                    feeds.push(FeedDef {
                        kind: FeedKind::Rss,
                        path: "/index.php/tin-tuc?format=feed&type=rss".into(),
                    });
                    feeds.push(FeedDef {
                        kind: FeedKind::Atom,
                        path: "/index.php/tin-tuc?format=feed&type=atom".into(),
                    });
                }
                Cms::Custom => {
                    feeds_advertised = r.chance(50);
                    if r.chance(90) {
                        let unusual = |r: &mut Rng| feeds_advertised && r.chance(50);
                        let mask = r.range(1, 7);
                        if mask & 1 != 0 {
                            let path = if unusual(&mut r) {
                                "/rss/tin-tuc.rss"
                            } else {
                                r.pick(&["/feed", "/rss.xml"])
                            };
                            feeds.push(FeedDef {
                                kind: FeedKind::Rss,
                                path: path.into(),
                            });
                        }
                        if mask & 2 != 0 {
                            let path = if unusual(&mut r) {
                                "/tin-tuc/feed.atom"
                            } else {
                                "/atom.xml"
                            };
                            feeds.push(FeedDef {
                                kind: FeedKind::Atom,
                                path: path.into(),
                            });
                        }
                        if mask & 4 != 0 {
                            let path = if unusual(&mut r) {
                                "/api/feed.json"
                            } else {
                                "/feed.json"
                            };
                            feeds.push(FeedDef {
                                kind: FeedKind::Json,
                                path: path.into(),
                            });
                        }
                    }
                }
            }
        }

        // Robots and sitemap.
        let sitemap = r.chance(85).then_some(if cms == Cms::WordPress {
            SitemapKind::WordPressIndex
        } else {
            SitemapKind::Plain
        });
        let robots = r.chance(85).then(|| {
            let (disallow, allow): (Vec<&'static str>, Vec<&'static str>) = match cms {
                Cms::WordPress => (vec!["/wp-admin/"], vec!["/wp-admin/admin-ajax.php"]),
                Cms::Joomla => (vec!["/administrator/", "/cache/", "/tmp/"], vec![]),
                Cms::Custom => (vec!["/quan-tri/", "/tim-kiem"], vec![]),
            };
            Robots {
                disallow,
                allow,
                trap: r.chance(50),
                sitemap_line: sitemap.is_some() && r.chance(75),
                extra_group: r.chance(30),
            }
        });

        // Links.
        let (broken_internal, broken_external) = broken_links(w, &spec);
        let ext = w.ext_origin("ext.fixture.localhost");
        let mut ext_links = vec![
            ("Bộ Giáo dục và Đào tạo", format!("{ext}/bo-gddt/")),
            ("Sở Giáo dục và Đào tạo", format!("{ext}/so-gddt/")),
            ("Cổng Dịch vụ công", format!("{ext}/dich-vu-cong/")),
            ("Kho học liệu số", format!("{ext}/hoc-lieu/")),
        ];
        ext_links.truncate(r.range(2, 4) as usize);

        let profile = headers::profile(spec.header_profile);
        let redirect = match spec.pick(7, 3) {
            0 => RedirectKind::Http302,
            1 => RedirectKind::MetaRefresh,
            _ => RedirectKind::Script,
        };
        let mut site = Site {
            w,
            origin,
            cms,
            cms_version,
            generator_meta,
            ver_query,
            powered_by,
            server,
            theme,
            school,
            articles,
            disclosure,
            feeds,
            feeds_advertised,
            robots,
            sitemap,
            broken_internal,
            broken_external,
            ext_links,
            gambling: (mix(w.seed ^ spec.index as u64) % super::GAMBLING_HOSTS as u64) as u32,
            redirect,
            profile,
            nonce: format!("{:016x}", mix(spec.variant ^ 0x6e6f6e6365)),
            session: format!(
                "{:016x}{:010x}",
                mix(spec.variant ^ 0x73657373),
                mix(spec.variant ^ 0x7365) >> 24
            ),
            newest,
            spec,
        };
        for a in 0..site.articles.len() {
            let path = site.article_path(&site.articles[a]);
            let image = site.image_path(&site.articles[a]);
            site.articles[a].path = path;
            site.articles[a].image = image;
        }
        site
    }

    pub(crate) fn has(&self, code: F) -> bool {
        self.spec.has(code)
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.origin, path)
    }

    pub(crate) fn news_path(&self) -> &'static str {
        match self.cms {
            Cms::Custom => "/tin-tuc/",
            Cms::WordPress => "/category/tin-tuc/",
            Cms::Joomla => "/index.php/tin-tuc",
        }
    }

    pub(crate) fn about_path(&self) -> &'static str {
        match self.cms {
            Cms::Custom => "/gioi-thieu.html",
            Cms::WordPress => "/gioi-thieu/",
            Cms::Joomla => "/index.php/gioi-thieu",
        }
    }

    pub(crate) fn contact_path(&self) -> &'static str {
        match self.cms {
            Cms::Custom => "/lien-he.html",
            Cms::WordPress => "/lien-he/",
            Cms::Joomla => "/index.php/lien-he",
        }
    }

    pub(crate) const TRAP_PATH: &'static str = "/noi-bo/";

    fn article_path(&self, a: &Article) -> String {
        match self.cms {
            Cms::Custom => format!("/tin-tuc/{}-{}.html", a.slug, a.id),
            Cms::WordPress => format!("/{}/{:02}/{}/", a.date.year(), u8::from(a.date.month()), a.slug),
            Cms::Joomla => format!("/index.php/tin-tuc/{}-{}", a.id, a.slug),
        }
    }

    fn image_path(&self, a: &Article) -> String {
        match self.cms {
            Cms::Custom => format!("/uploads/{}/anh-{}.png", a.date.year(), a.id),
            Cms::WordPress => {
                format!(
                    "/wp-content/uploads/{}/{:02}/anh-{}.png",
                    a.date.year(),
                    u8::from(a.date.month()),
                    a.id
                )
            }
            Cms::Joomla => format!("/images/tin-tuc/anh-{}.png", a.id),
        }
    }

    pub(crate) fn disclosure_index_path(&self) -> Option<String> {
        let d = self.disclosure.as_ref()?;
        Some(match self.cms {
            Cms::Joomla => format!("/index.php/{}", d.path),
            _ => format!("/{}/", d.path),
        })
    }

    pub(crate) fn disclosure_part_path(&self, part: &DisclosurePart) -> String {
        let d = self.disclosure.as_ref().map_or("cong-khai", |d| d.path.as_str());
        match self.cms {
            Cms::Custom => format!("/{d}/{}.html", part.path),
            Cms::WordPress => format!("/{d}/{}/", part.path),
            Cms::Joomla => format!("/index.php/{d}/{}", part.path),
        }
    }

    pub(crate) fn sitemap_path(&self) -> Option<&'static str> {
        self.sitemap.map(|k| match k {
            SitemapKind::Plain => "/sitemap.xml",
            SitemapKind::WordPressIndex => "/wp-sitemap.xml",
        })
    }

    /// The gambling site this site's spam and redirects point to.
    pub(crate) fn gambling_origin(&self, n: u32) -> String {
        self.w
            .ext_origin(&format!("nhacai-{:02}.fixture.localhost", n % super::GAMBLING_HOSTS))
    }

    pub(crate) fn redirect_target(&self) -> String {
        format!(
            "{}/?ref={}",
            self.gambling_origin(self.gambling),
            self.spec.host.split('.').next().unwrap_or("")
        )
    }

    /// Fills a text template for this site (and an article's date and numbers).
    pub(crate) fn fill(&self, template: &str, date: Date, numbers: &mut Rng) -> String {
        let mut out = template
            .replace("{truong}", &self.school.full)
            .replace("{ten}", &self.school.short)
            .replace("{ngay}", &dmy(date))
            .replace("{nam_hoc_sau}", &next_school_year(date))
            .replace("{nam_hoc}", &school_year(date))
            .replace("{nam}", &date.year().to_string())
            .replace("{ht}", &self.school.principal)
            .replace("{xa}", self.school.commune)
            .replace("{tinh}", self.school.province)
            .replace("{lop}", if self.school.level == 1 { "lớp 6" } else { "lớp 1" })
            .replace("{nam_tl}", &self.school.founded.to_string())
            .replace("{so_lop}", &self.school.classes.to_string())
            .replace("{so_hs}", &self.school.pupils.to_string())
            .replace("{so_gv}", &self.school.staff.to_string());
        if out.contains("{so1}") {
            out = out.replace("{so1}", &numbers.range(20, 95).to_string());
        }
        if out.contains("{so2}") {
            out = out.replace("{so2}", &numbers.range(3, 12).to_string());
        }
        out
    }

    pub(crate) fn article_rng(&self, a: &Article) -> Rng {
        Rng::new(self.w.seed, self.spec.index as u64, STREAM_ARTICLE + a.id as u64)
    }
}
