//! Sector news rules, with no IO: when two feed entries are the same story (the canonical
//! address), how a typed query becomes search tokens, how well an entry answers a query
//! (relevance, with phrase proximity), and how matched words are shown (`<mark>`).
//!
//! Both backends filter the same way (FTS5 on SQLite, a `tsvector` on PostgreSQL), but their own
//! rankings (bm25, `ts_rank`) differ and neither rewards words that stand next to each other in
//! the order typed. The order of results is therefore decided here, once, in Rust.

use unicode_normalization::char::is_combining_mark;
use url::Url;

use crate::text::fold_vi;

/// Entries per page of the news list: a phone shows 20 cards without an endless page (issue 10).
pub const PER_PAGE: u32 = 20;

/// Query parameters that only say where a reader came from, never which story: dropped from the
/// canonical address. Prefixes end with `_`.
const TRACKING: &[&str] = &[
    "utm_", "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid", "_ga",
    "_gl", "zarsrc", "gidzl", "ref_src", "spm",
];

fn is_tracking(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    TRACKING.iter().any(|t| {
        if t.ends_with('_') {
            name.starts_with(t)
        } else {
            name == *t
        }
    })
}

/// The address that names a story whatever feed or link brought it, or None when `raw` is not
/// an absolute http(s) address with a host.
///
/// Two links are the same story when they differ only in: the scheme (http and https), the case
/// of the scheme and host, a trailing dot of the host, a default port (80, 443), the fragment,
/// tracking parameters (`utm_*`, `fbclid`, `gclid`, Zalo's `zarsrc`…), the order of the other
/// parameters, an empty query, or a trailing slash of the path. The result is a scheme-relative
/// address (`//host/path?query`): it is a key, not a link to follow.
pub fn canonical_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 4096 {
        return None;
    }
    let url = Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    // The url crate lowercases the host and drops the scheme's own default port already.
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let mut out = format!("//{host}");
    if let Some(port) = url.port().filter(|p| *p != 80 && *p != 443) {
        out.push_str(&format!(":{port}"));
    }
    let path = url.path().trim_end_matches('/');
    out.push_str(path);
    let mut params: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.is_empty() && !is_tracking(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !params.is_empty() {
        params.sort();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        out.push('?');
        out.push_str(&query);
    }
    Some(out)
}

/// Letters and digits of folded text, as search tokens.
pub fn terms(folded: &str) -> Vec<String> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// A typed query as groups that must all match; each group is a phrase (one or more tokens):
/// words are ANDed, text in double quotes is a phrase. At most 16 groups.
pub fn query_groups(raw: &str) -> Vec<Vec<String>> {
    let folded = fold_vi(raw);
    let mut groups = Vec::new();
    for (i, part) in folded.split('"').enumerate() {
        let tokens = terms(part);
        if i % 2 == 1 {
            if !tokens.is_empty() {
                groups.push(tokens);
            }
        } else {
            groups.extend(tokens.into_iter().map(|t| vec![t]));
        }
    }
    groups.truncate(16);
    groups
}

/// A topic's keywords (one keyword or phrase per line) as token sequences.
pub fn keyword_groups(keywords: &str) -> Vec<Vec<String>> {
    keywords
        .lines()
        .map(|k| terms(&fold_vi(k)))
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether folded text holds any of the token sequences as whole, adjacent words: the same rule
/// as the full-text phrase match.
pub fn matches_any(folded: &str, groups: &[Vec<String>]) -> bool {
    let tokens = terms(folded);
    groups
        .iter()
        .any(|g| !g.is_empty() && tokens.windows(g.len()).any(|w| w.iter().zip(g).all(|(a, b)| a == b)))
}

/// Letters and digits of folded text as words borrowed from it: what ranking compares, without
/// a string per word (best first ranks a thousand entries for each search).
fn words(folded: &str) -> Vec<&str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect()
}

/// A query prepared for ranking many entries: folded and split once ([`relevance`] for one).
#[derive(Debug, Clone)]
pub struct RankedQuery {
    words: Vec<String>,
    distinct: Vec<String>,
}

impl RankedQuery {
    pub fn new(folded_query: &str) -> RankedQuery {
        let words = terms(folded_query);
        let mut distinct = words.clone();
        distinct.sort();
        distinct.dedup();
        RankedQuery { words, distinct }
    }

    /// How well an entry answers the query, higher is better; both arguments folded
    /// ([`fold_vi`]). The title counts twice as much as the text. Ties are for the caller to
    /// break (newest first).
    pub fn score(&self, folded_title: &str, folded_text: &str) -> u32 {
        if self.words.is_empty() {
            return 0;
        }
        2 * self.field_score(&words(folded_title)) + self.field_score(&words(folded_text))
    }

    /// How well one field (a title, a text) answers the query's words in order.
    ///
    /// Each distinct query word present earns 4. Each pair of consecutive query words earns by
    /// how close the second follows the first: adjacent in order 12, one word between 6, two
    /// between 4, up to four between 2; adjacent in the reverse order 3. The whole query as one
    /// run of adjacent words in order earns 20 more. So "học bổng" beats "học … bóng đá" for the
    /// query "hoc bong".
    fn field_score(&self, field: &[&str]) -> u32 {
        let query = &self.words;
        let mut score: u32 = 4 * self.distinct.iter().filter(|q| field.contains(&q.as_str())).count() as u32;
        if query.len() < 2 {
            return score;
        }
        let positions = |word: &str| -> Vec<usize> {
            field
                .iter()
                .enumerate()
                .filter(|(_, w)| **w == word)
                .map(|(i, _)| i)
                .collect()
        };
        for pair in query.windows(2) {
            let (a, b) = (positions(&pair[0]), positions(&pair[1]));
            let mut best_forward = usize::MAX;
            let mut reversed = false;
            for &i in &a {
                for &j in &b {
                    if j > i {
                        best_forward = best_forward.min(j - i);
                    } else if i == j + 1 {
                        reversed = true;
                    }
                }
            }
            score += match best_forward {
                1 => 12,
                2 => 6,
                3 => 4,
                4 | 5 => 2,
                _ if reversed => 3,
                _ => 0,
            };
        }
        if field
            .windows(query.len())
            .any(|w| w.iter().zip(query).all(|(a, b)| *a == b.as_str()))
        {
            score += 20;
        }
        score
    }
}

/// How well an entry answers a query, higher is better; all arguments folded
/// ([`fold_vi`]). To rank many entries for one query, prepare it once with [`RankedQuery`].
pub fn relevance(folded_query: &str, folded_title: &str, folded_text: &str) -> u32 {
    RankedQuery::new(folded_query).score(folded_title, folded_text)
}

/// Calendar months touched by [from, to], the current one counted whole (at least one).
pub fn months_between(from: time::Date, to: time::Date) -> i64 {
    let index = |d: time::Date| i64::from(d.year()) * 12 + i64::from(u8::from(d.month()));
    (index(to) - index(from) + 1).max(1)
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// `text` as HTML (every character escaped) with the words matching the groups (whole words,
/// folded, a phrase only where its words stand together in order) wrapped in `<mark>`; a run of
/// marked words separated by spaces is one mark.
pub fn highlight(text: &str, groups: &[Vec<String>]) -> String {
    // Words as byte ranges: letters, digits and the combining marks of decomposed text.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        let in_word = c.is_alphanumeric() || (start.is_some() && is_combining_mark(c));
        match (in_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    let folded: Vec<String> = words.iter().map(|(a, b)| fold_vi(&text[*a..*b])).collect();
    let mut marked = vec![false; words.len()];
    for group in groups.iter().filter(|g| !g.is_empty()) {
        if group.len() > folded.len() {
            continue;
        }
        for at in 0..=folded.len() - group.len() {
            if folded[at..at + group.len()].iter().zip(group).all(|(a, b)| a == b) {
                marked[at..at + group.len()].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut cursor = 0;
    let mut i = 0;
    while i < words.len() {
        if !marked[i] {
            i += 1;
            continue;
        }
        // Extend the run over following marked words separated only by white space.
        let mut j = i;
        while j + 1 < words.len() && marked[j + 1] && text[words[j].1..words[j + 1].0].chars().all(char::is_whitespace)
        {
            j += 1;
        }
        escape_into(&mut out, &text[cursor..words[i].0]);
        out.push_str("<mark>");
        escape_into(&mut out, &text[words[i].0..words[j].1]);
        out.push_str("</mark>");
        cursor = words[j].1;
        i = j + 1;
    }
    escape_into(&mut out, &text[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_urls_name_the_story_not_the_link() {
        let same = [
            "https://Truong.EDU.vn/tin/abc",
            "http://truong.edu.vn/tin/abc/",
            "https://truong.edu.vn:443/tin/abc#binh-luan",
            "http://truong.edu.vn:80/tin/abc?utm_source=zalo&utm_medium=social",
            "https://truong.edu.vn/tin/abc?fbclid=IwAR0x&gclid=1&zarsrc=30",
            "HTTPS://truong.edu.vn./tin/abc?",
            "  https://truong.edu.vn/tin/abc  ",
        ];
        for raw in same {
            assert_eq!(canonical_url(raw).as_deref(), Some("//truong.edu.vn/tin/abc"), "{raw}");
        }
        assert_eq!(
            canonical_url("https://a.vn/?id=2&cat=x&utm_campaign=t").as_deref(),
            Some("//a.vn?cat=x&id=2")
        );
        assert_eq!(
            canonical_url("https://a.vn/bai?cat=x&id=2"),
            canonical_url("https://a.vn/bai?id=2&cat=x")
        );
        assert_eq!(canonical_url("https://a.vn/").as_deref(), Some("//a.vn"));
        assert_eq!(canonical_url("https://a.vn:8443/x").as_deref(), Some("//a.vn:8443/x"));
        // Different stories stay different: the path's case, a real parameter, another host.
        assert_ne!(canonical_url("https://a.vn/Tin"), canonical_url("https://a.vn/tin"));
        assert_ne!(canonical_url("https://a.vn/?id=1"), canonical_url("https://a.vn/?id=2"));
        assert_ne!(canonical_url("https://a.vn/x"), canonical_url("https://b.a.vn/x"));
        assert_ne!(
            canonical_url("https://a.vn/x?utmost=1"),
            canonical_url("https://a.vn/x"),
            "only utm_ is a tracking prefix"
        );
        for bad in [
            "",
            "javascript:alert(1)",
            "data:text/html,x",
            "/tin/abc",
            "ftp://a.vn/x",
            "khong phai url",
        ] {
            assert_eq!(canonical_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn queries_become_tokens_and_phrases() {
        assert_eq!(
            query_groups("Đào tạo"),
            vec![vec!["dao".to_string()], vec!["tao".to_string()]]
        );
        assert_eq!(
            query_groups("\"Đào  TẠO\" x'; DROP"),
            vec![
                vec!["dao".to_string(), "tao".to_string()],
                vec!["x".to_string()],
                vec!["drop".to_string()]
            ]
        );
        assert!(query_groups("\" * ( ) -").is_empty());
        assert_eq!(
            keyword_groups("Lừa đảo\n\n  mạo danh "),
            vec![
                vec!["lua".to_string(), "dao".to_string()],
                vec!["mao".to_string(), "danh".to_string()]
            ]
        );
        assert!(matches_any("canh giac lua dao", &keyword_groups("lừa đảo")));
        assert!(!matches_any("dao lua", &keyword_groups("lừa đảo")));
    }

    fn score(query: &str, title: &str, summary: &str) -> u32 {
        relevance(
            &fold_vi(query),
            &fold_vi(title),
            &fold_vi(&format!("{title} {summary}")),
        )
    }

    #[test]
    fn adjacent_words_in_order_rank_first() {
        // The bug of issue 10: "hoc bong" listed football news above scholarships.
        let scholarship = score(
            "hoc bong",
            "Trao 50 suất học bổng cho học sinh vượt khó",
            "Quỹ khuyến học của phường trao học bổng.",
        );
        let football = score(
            "hoc bong",
            "Học sinh khối 5 thi đấu bóng đá giao hữu",
            "Giải bóng đá học sinh tiểu học của phường.",
        );
        assert!(scholarship > football, "{scholarship} vs {football}");
        // In the summary only, the phrase still beats the scattered words in the title.
        let in_summary = score("hoc bong", "Lễ tổng kết năm học", "Nhà trường trao học bổng cho 20 em.");
        let far_apart = score(
            "hoc bong",
            "Học sinh tham gia ngày hội thể thao",
            "Các em chơi bóng chuyền.",
        );
        assert!(in_summary > far_apart, "{in_summary} vs {far_apart}");
        // Closer is better; reversed adjacency is better than far apart; absent words score 0.
        let one_between = score("an toan mang", "An toàn trên mạng cho học sinh", "");
        let adjacent = score("an toan mang", "An toàn mạng cho học sinh", "");
        assert!(adjacent > one_between);
        assert!(score("bong hoc", "học bóng", "") > score("bong hoc", "bóng đá và các môn học", ""));
        assert_eq!(score("olympic", "Hội khỏe Phù Đổng", ""), 0);
        assert_eq!(relevance("", "hoc bong", "hoc bong"), 0);
        // The title counts more than the text.
        assert!(score("hoc bong", "Trao học bổng", "") > score("hoc bong", "Tin nhà trường", "Trao học bổng"));
    }

    #[test]
    fn highlights_are_escaped_and_whole_words() {
        let groups = query_groups("hoc bong");
        assert_eq!(
            highlight("Trao học bổng <script>alert('x')</script> & \"khóc\"", &groups),
            "Trao <mark>học bổng</mark> &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;khóc&quot;"
        );
        // "khóc" folds to "khoc": not the word "hoc".
        assert_eq!(highlight("Em khóc", &groups), "Em khóc");
        // Separate words are marked one by one; a phrase only where its words stand together.
        assert_eq!(
            highlight("Học sinh chơi bóng", &groups),
            "<mark>Học</mark> sinh chơi <mark>bóng</mark>"
        );
        let phrase = query_groups("\"hoc bong\"");
        assert_eq!(
            highlight("Học sinh chơi bóng, học bổng", &phrase),
            "Học sinh chơi bóng, <mark>học bổng</mark>"
        );
        // Decomposed text (NFD) keeps its marks inside the word.
        let nfd = "ho\u{0323}c bo\u{0302}\u{0309}ng";
        assert_eq!(highlight(nfd, &groups), format!("<mark>{nfd}</mark>"));
        assert_eq!(highlight("<b>", &[]), "&lt;b&gt;");
        assert_eq!(highlight("", &groups), "");
    }
}
