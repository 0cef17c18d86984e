//! Signs that a site has been hacked to advertise gambling, judged by context: the same words
//! in a school's article warning pupils against betting are not spam.

use lanhmang_domain::text::fold_vi;
use url::Url;

use crate::page::Page;

/// Betting vocabulary (folded: no diacritics, lowercase).
const BETTING: &[&str] = &[
    "nha cai",
    "keo nha cai",
    "soi keo",
    "ty le keo",
    "ca cuoc",
    "ca do",
    "tai xiu",
    "xoc dia",
    "no hu",
    "ban ca doi thuong",
    "game bai doi thuong",
    "danh bai",
    "lo de",
    "danh de",
    "xo so truc tuyen",
    "casino",
    "baccarat",
    "slot game",
    "sicbo",
    "cuoc the thao",
    "dat cuoc",
    "keo bong da",
    "game doi thuong",
    "co bac truc tuyen",
    "quay hu",
];

/// Betting brands that school pages never name except when hacked.
const BRANDS: &[&str] = &[
    "w88", "fb88", "789bet", "kubet", "jun88", "hi88", "new88", "shbet", "8xbet", "188bet", "fun88", "m88", "1xbet",
    "bk8", "v9bet", "sv388", "f8bet", "mb66", "okvip", "debet", "hb88", "vn88", "nbet", "win55", "sunwin", "go88",
    "hitclub", "789club", "twin68", "rikvip", "b52club", "max88", "onbet", "33win", "ae888", "f168", "kubet88",
];

/// Words that sell: what spam says and warnings do not.
const PROMO: &[&str] = &[
    "uy tin",
    "khuyen mai",
    "nap tien",
    "rut tien",
    "dang ky",
    "tang ngay",
    "tien thuong",
    "hoan tra",
    "link vao",
    "truy cap ngay",
    "choi ngay",
    "nhan ngay",
    "doi thuong",
    "thuong nap",
    "nap dau",
    "ty le cao",
    "hang dau",
    "so 1",
    "uy tin nhat",
    "tai app",
    "code",
    "giftcode",
    "chuan nhat",
    "moi nhat",
    "xanh chin",
];

/// Imperative sales phrases: a call to act now, which no warning article makes.
const CALL_TO_ACTION: &[&str] = &[
    "link vao",
    "dang ky ngay",
    "choi ngay",
    "nhan ngay",
    "truy cap ngay",
    "tai app",
    "giftcode",
    "nap dau",
    "thuong nap",
    "uy tin nhat",
    "uy tin so 1",
    "nha cai uy tin",
];

/// Words of warning and education: an article that uses them is teaching, not selling.
const WARNING: &[&str] = &[
    "canh giac",
    "tac hai",
    "phong chong",
    "phong ngua",
    "tu choi",
    "khong tham gia",
    "te nan",
    "vi pham",
    "phap luat",
    "tuyen truyen",
    "nguy hiem",
    "hau qua",
    "ngan chan",
    "bao ve",
    "khuyen cao",
    "xa lanh",
    "nghiem cam",
    "giao duc",
    "nghien",
    "lua dao",
    "mat tien",
    "canh bao",
    "khong nen",
    "tranh xa",
    "bo cong an",
    "xu ly",
    "ngoai khoa",
];

/// Host labels that mark gambling sites.
const HOST_MARKERS: &[&str] = &[
    "nhacai",
    "nha-cai",
    "cado",
    "ca-do",
    "cacuoc",
    "casino",
    "keonhacai",
    "soikeo",
    "taixiu",
    "xocdia",
    "nohu",
    "lode",
    "danhde",
    "baccarat",
    "gamebai",
    "banca",
    "sicbo",
];

/// The term lists, in the order of [`TextSignal`]'s counts.
const LISTS: [&[&str]; 5] = [BETTING, BRANDS, PROMO, WARNING, CALL_TO_ACTION];

/// Every term of every list, indexed by its first word: matching a text is then one pass over
/// its words instead of a substring search per term (this ran for every text block of every
/// page and was most of an inspection's CPU time).
struct Lexicon {
    by_first: std::collections::HashMap<&'static str, Vec<Entry>>,
}

/// A term under its first word: its list, its index in the list, and its other words.
struct Entry {
    list: usize,
    index: usize,
    rest: Vec<&'static str>,
}

static LEXICON: std::sync::LazyLock<Lexicon> = std::sync::LazyLock::new(|| {
    let mut by_first: std::collections::HashMap<&'static str, Vec<Entry>> = std::collections::HashMap::new();
    for (list, terms) in LISTS.iter().enumerate() {
        for (index, term) in terms.iter().enumerate() {
            let mut words = term.split(' ');
            let first = words.next().unwrap_or_default();
            by_first.entry(first).or_default().push(Entry {
                list,
                index,
                rest: words.collect(),
            });
        }
    }
    Lexicon { by_first }
});

/// How many terms of each list occur in `folded` as whole words. A term's words are ASCII
/// letters and digits joined by single spaces, so an occurrence is a run of whole words (maximal
/// runs of ASCII letters and digits) separated by exactly one space.
fn count_all_terms(folded: &str) -> [usize; 5] {
    let bytes = folded.as_bytes();
    // (start, end) of every word.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphanumeric() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            words.push((start, i));
        } else {
            i += 1;
        }
    }
    let word = |k: usize| &folded[words[k].0..words[k].1];
    let joined = |k: usize| words[k].1 + 1 == words[k + 1].0 && bytes[words[k].1] == b' ';
    let mut found = [0u64; 5];
    for k in 0..words.len() {
        let Some(candidates) = LEXICON.by_first.get(word(k)) else {
            continue;
        };
        for e in candidates {
            let fits = k + e.rest.len() < words.len()
                && e.rest
                    .iter()
                    .enumerate()
                    .all(|(j, w)| joined(k + j) && word(k + j + 1) == *w);
            if fits {
                found[e.list] |= 1 << e.index;
            }
        }
    }
    found.map(|bits| bits.count_ones() as usize)
}

/// How a piece of text reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextSignal {
    pub betting: usize,
    pub brands: usize,
    pub promo: usize,
    pub warning: usize,
    pub call_to_action: usize,
}

impl TextSignal {
    pub fn of(text: &str) -> TextSignal {
        let [betting, brands, promo, warning, call_to_action] = count_all_terms(&fold_vi(text));
        TextSignal {
            betting,
            brands,
            promo,
            warning,
            call_to_action,
        }
    }

    pub fn mentions_gambling(&self) -> bool {
        self.betting + self.brands > 0
    }

    /// Selling gambling: betting words with sales talk or brand names, and no warning.
    pub fn is_spam(&self) -> bool {
        let gambling = self.betting + self.brands;
        if gambling == 0 {
            return false;
        }
        if self.warning == 0 {
            return self.brands > 0 || self.promo > 0 || self.betting >= 3;
        }
        // Warnings present: only overwhelming sales talk counts.
        self.brands >= 2 && self.promo >= 2 * self.warning + 2
    }
}

/// Whether a URL points at a gambling site, by its host name.
pub fn is_gambling_url(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    host.split('.').any(|label| {
        HOST_MARKERS.iter().any(|m| has_part(label, m))
            // A brand, alone or with a short suffix ("w88vn", "fb88-vip").
            || BRANDS.iter().any(|b| label.starts_with(b) && label.len() - b.len() <= 4)
            || looks_like_bet_label(label)
    })
}

/// Substring test for short host labels: a plain scan, cheaper here than `str::contains`,
/// which builds a searcher per call (this runs for every label of every link).
fn has_part(label: &str, part: &str) -> bool {
    label.len() >= part.len() && label.as_bytes().windows(part.len()).any(|w| w == part.as_bytes())
}

/// Labels such as "789bet", "bet88", "win-bet": digits next to "bet".
fn looks_like_bet_label(label: &str) -> bool {
    if let Some(pos) = label.find("bet") {
        let before = &label[..pos];
        let after = &label[pos + 3..];
        (before.chars().last().is_some_and(|c| c.is_ascii_digit())
            || after.chars().next().is_some_and(|c| c.is_ascii_digit()))
            || (before.is_empty() && after.is_empty())
    } else {
        false
    }
}

/// What a page shows of compromise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageCompromise {
    pub visible_spam: Vec<String>,
    pub hidden_spam: Vec<String>,
    pub spam_links: Vec<String>,
}

impl PageCompromise {
    pub fn any(&self) -> bool {
        !self.visible_spam.is_empty() || !self.hidden_spam.is_empty() || !self.spam_links.is_empty()
    }
}

/// Signals of the texts already read in one inspection: a site's header, menu, sidebar and
/// footer repeat on every page, and are folded and matched once.
#[derive(Default)]
pub struct SignalCache(std::collections::HashMap<String, TextSignal>);

impl SignalCache {
    const MAX_ENTRIES: usize = 20_000;
    const MAX_TEXT: usize = 4_096;

    pub fn of(&mut self, text: &str) -> TextSignal {
        if let Some(s) = self.0.get(text) {
            return *s;
        }
        let s = TextSignal::of(text);
        if text.len() <= Self::MAX_TEXT && self.0.len() < Self::MAX_ENTRIES {
            self.0.insert(text.to_string(), s);
        }
        s
    }
}

/// Looks at a page's blocks and links. `own_host` is the site's host: links within it are not
/// outbound.
pub fn examine(page: &Page, own_host: &str) -> PageCompromise {
    examine_with(page, own_host, &mut SignalCache::default())
}

/// [`examine`], reusing the signals of texts seen on the site's other pages.
pub fn examine_with(page: &Page, own_host: &str, cache: &mut SignalCache) -> PageCompromise {
    let mut out = PageCompromise::default();
    // A paragraph is judged with the rest of its article: an article that warns against
    // gambling (warning words, no brand names) may describe how betting sites lure pupils.
    let signals: Vec<TextSignal> = page.blocks.iter().map(|b| cache.of(&b.text)).collect();
    let mut context: std::collections::HashMap<usize, (usize, usize)> = std::collections::HashMap::new();
    for (block, s) in page.blocks.iter().zip(&signals).filter(|(b, _)| !b.hidden) {
        let e = context.entry(block.container).or_default();
        e.0 += s.warning;
        e.1 += s.brands;
    }
    for (block, s) in page.blocks.iter().zip(&signals) {
        if block.hidden {
            if s.mentions_gambling() && (s.warning == 0 || s.is_spam()) {
                out.hidden_spam.push(block.text.chars().take(160).collect());
            }
            continue;
        }
        let (warnings, brands) = context.get(&block.container).copied().unwrap_or_default();
        let teaching = warnings >= 2 && brands == 0;
        if s.is_spam() && !(teaching && s.brands == 0 && s.call_to_action == 0) {
            out.visible_spam.push(block.text.chars().take(160).collect());
        }
    }
    for link in &page.links {
        let outbound = link.url.host_str().is_some_and(|h| !same_site(h, own_host));
        let gambling_target = is_gambling_url(&link.url);
        let anchor = cache.of(&link.text);
        let spammy = gambling_target || (outbound && anchor.is_spam());
        if !spammy {
            continue;
        }
        if link.hidden {
            out.hidden_spam.push(format!("liên kết ẩn tới {}", link.url));
        } else if outbound {
            out.spam_links.push(link.url.to_string());
        }
    }
    out.visible_spam.dedup();
    out.hidden_spam.dedup();
    out.spam_links.sort();
    out.spam_links.dedup();
    out
}

/// The same site: equal hosts, or one is the other with "www.".
pub fn same_site(a: &str, b: &str) -> bool {
    let strip = |h: &str| h.trim_start_matches("www.").to_ascii_lowercase();
    strip(a) == strip(b)
}

/// Redirect targets written in inline scripts: `location = "…"`, `location.href = '…'`,
/// `location.replace("…")`, `window.open("…")` right at load; web addresses only.
pub fn script_redirect_targets(scripts: &[String], base: &Url) -> Vec<Url> {
    let mut out = Vec::new();
    for code in scripts {
        let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        for marker in ["location=", "location.href=", "location.replace(", "location.assign("] {
            let mut from = 0;
            while let Some(pos) = compact[from..].find(marker) {
                let start = from + pos + marker.len();
                let rest = &compact[start..];
                if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'')
                    && let Some(end) = rest[1..].find(q)
                    && let Ok(u) = base.join(&rest[1..1 + end])
                    // Only a web address is a redirect the inspector can follow and judge;
                    // `javascript:` or a mangled scheme is not one.
                    && matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some_and(|h| !h.is_empty())
                {
                    out.push(u);
                }
                from = start;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> Page {
        Page::parse(html, &Url::parse("https://th-anbinh.edu.vn/").unwrap())
    }

    #[test]
    fn warning_articles_are_not_spam() {
        let warning = "Nhà trường tuyên truyền, khuyến cáo học sinh cảnh giác với cờ bạc trực tuyến, cá độ bóng đá \
                       qua mạng: đây là tệ nạn, vi phạm pháp luật, gây hậu quả nghiêm trọng. Không tham gia, hãy báo thầy cô \
                       khi thấy bạn bè bị rủ rê vào các trang nhà cái.";
        let s = TextSignal::of(warning);
        assert!(s.mentions_gambling());
        assert!(!s.is_spam(), "{s:?}");
        let p = page(&format!(
            "<article><h2>Cảnh giác với cờ bạc trực tuyến</h2><p>{warning}</p></article>"
        ));
        assert!(!examine(&p, "th-anbinh.edu.vn").any());
    }

    #[test]
    fn an_article_lends_its_warning_to_each_paragraph() {
        let p = page(
            "<article><h1>Tăng cường giáo dục phòng ngừa tệ nạn cờ bạc</h1>\
             <p>Nhiều trang web của nhà cái núp bóng trò chơi trực tuyến, game bài đổi thưởng, quảng cáo khuyến mãi để dụ dỗ các em nạp tiền.</p>\
             <p>Nhà trường tuyên truyền về tác hại và hậu quả của cờ bạc, vi phạm pháp luật.</p></article>\
             <footer><p>Nhà cái uy tín nhất, đăng ký nhận ngay 100k</p></footer>",
        );
        let c = examine(&p, "th-anbinh.edu.vn");
        assert_eq!(c.visible_spam.len(), 1, "{c:?}");
        assert!(c.visible_spam[0].contains("uy tín nhất"));
    }

    #[test]
    fn selling_is_spam() {
        for text in [
            "Nhà cái uy tín số 1 Việt Nam, đăng ký nhận ngay 100k",
            "Soi kèo nhà cái hôm nay, tỷ lệ kèo chuẩn nhất",
            "FB88 - link vào mới nhất",
            "Tài xỉu, xóc đĩa, nổ hũ đổi thưởng",
        ] {
            assert!(TextSignal::of(text).is_spam(), "{text}");
        }
        assert!(!TextSignal::of("Lễ khai giảng năm học 2026–2027 tại trường").is_spam());
        assert!(!TextSignal::of("Hội thi bóng đá mini của học sinh khối 8").is_spam());
    }

    #[test]
    fn hidden_visible_and_links() {
        let p = page(
            r#"<p>Tin tức nhà trường</p>
            <div style="position:absolute;left:-9999px"><a href="https://nhacai-vip.example/">nhà cái</a> cá cược</div>
            <footer><p>Đối tác: <a href="https://789bet.example/">789bet</a></p></footer>
            <p>Nhà cái uy tín, đăng ký nhận thưởng</p>"#,
        );
        let c = examine(&p, "th-anbinh.edu.vn");
        assert!(!c.hidden_spam.is_empty(), "{c:?}");
        assert_eq!(c.spam_links, vec!["https://789bet.example/".to_string()]);
        assert!(!c.visible_spam.is_empty());
    }

    /// The substring search the word index replaced, kept as the reference it must agree with.
    fn contains_term(folded: &str, term: &str) -> bool {
        let bytes = folded.as_bytes();
        let mut start = 0;
        while let Some(pos) = folded[start..].find(term) {
            let at = start + pos;
            let end = at + term.len();
            let before_ok = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
            let after_ok = end >= bytes.len() || !bytes[end].is_ascii_alphanumeric();
            if before_ok && after_ok {
                return true;
            }
            start = at + 1;
            while start < folded.len() && !folded.is_char_boundary(start) {
                start += 1;
            }
        }
        false
    }

    #[test]
    fn terms_are_words_joined_by_single_spaces() {
        for list in LISTS {
            assert!(list.len() <= 64);
            for t in list {
                assert!(
                    !t.is_empty()
                        && t.split(' ').all(|w| !w.is_empty()
                            && w.bytes().all(|b| b.is_ascii_alphanumeric() && !b.is_ascii_uppercase())),
                    "{t:?}"
                );
            }
        }
    }

    #[test]
    fn word_index_agrees_with_substring_search() {
        let texts = [
            "Nhà cái uy tín số 1 Việt Nam, đăng ký nhận ngay 100k",
            "nhà cáiuy tín; nhà  cái; (nha cai) nhacai nha-cai ca cuoc, cá cược!",
            "FB88-link vào mới nhất|fb88 w88vn w88 788bet 789bet1 789bet",
            "Soi kèo nhà cái hôm nay, tỷ lệ kèo chuẩn nhất. Số 1, so 10, số 1a",
            "Nhà trường tuyên truyền, khuyến cáo học sinh cảnh giác với cờ bạc trực tuyến, cá độ bóng đá",
            "game bài đổi thưởng — game bai doi thuong, game doi thuong; bắn cá đổi thưởng",
            "uy tín nhất uy tín so 1 uy tin so 1 xanh chín",
            "",
            " ",
            "casino",
            "ÀÁẢ casino€baccarat 😀sicbo",
        ];
        for text in texts {
            let f = fold_vi(text);
            let naive = LISTS.map(|l| l.iter().filter(|t| contains_term(&f, t)).count());
            assert_eq!(count_all_terms(&f), naive, "{text}");
        }
        // Random texts made of the terms' own words and awkward separators.
        let words: Vec<&str> = LISTS.iter().flat_map(|l| l.iter().flat_map(|t| t.split(' '))).collect();
        let seps = [" ", "  ", ", ", "-", "", "\u{e0}", ". ", "x"];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..2_000 {
            let mut text = String::new();
            for _ in 0..next(12) {
                text.push_str(words[next(words.len())]);
                text.push_str(seps[next(seps.len())]);
            }
            let naive = LISTS.map(|l| l.iter().filter(|t| contains_term(&text, t)).count());
            assert_eq!(count_all_terms(&text), naive, "{text:?}");
        }
    }

    #[test]
    fn gambling_hosts() {
        for u in [
            "https://nhacai-07.fixture.localhost/",
            "https://789bet.example/",
            "https://bet88.example/",
            "http://w88vn.example/",
            "https://keonhacai.tv/",
        ] {
            assert!(is_gambling_url(&Url::parse(u).unwrap()), "{u}");
        }
        for u in [
            "https://alphabet.com/",
            "https://thcs-betong.edu.vn/",
            "https://moet.gov.vn/",
            "https://vnexpress.net/canh-bao-ca-do",
        ] {
            assert!(!is_gambling_url(&Url::parse(u).unwrap()), "{u}");
        }
    }

    #[test]
    fn script_redirects() {
        let base = Url::parse("https://th-anbinh.edu.vn/").unwrap();
        let t = script_redirect_targets(
            &["if(1){ window.location.href = 'https://nhacai.example/x'; }".into()],
            &base,
        );
        assert_eq!(t[0].as_str(), "https://nhacai.example/x");
        let t = script_redirect_targets(&["location.replace(\"/trang-moi\")".into()], &base);
        assert_eq!(t[0].as_str(), "https://th-anbinh.edu.vn/trang-moi");
        // Found by fuzzing: a mangled or script scheme is no redirect to follow.
        let t = script_redirect_targets(
            &["location='h2026-13-40ttps://casino.example/';location.href='javascript:void(0)'".into()],
            &base,
        );
        assert!(t.is_empty(), "{t:?}");
    }
}
