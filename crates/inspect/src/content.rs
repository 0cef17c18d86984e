//! Content checks: the public-disclosure section (Circular 09/2024/TT-BGDĐT), freshness,
//! software versions, mixed content.

use lanhmang_domain::text::fold_vi;
use url::Url;

use crate::page::Page;

/// The parts a school must publish, each with the folded phrases that name it (the domain's
/// vocabulary: standards require parts by these names).
pub use lanhmang_domain::finding::DISCLOSURE_PARTS;

/// Whether a link or heading names the disclosure section.
pub fn is_disclosure_label(text: &str) -> bool {
    let f = fold_vi(text);
    f.contains("cong khai")
}

/// Which disclosure parts the text names, by index into `DISCLOSURE_PARTS`.
pub fn disclosure_parts_found(text: &str) -> Vec<usize> {
    let f = fold_vi(text);
    DISCLOSURE_PARTS
        .iter()
        .enumerate()
        .filter(|(_, (_, phrases))| phrases.iter().any(|p| f.contains(p)))
        .map(|(i, _)| i)
        .collect()
}

/// Links on a page that lead to the disclosure section (same site).
pub fn disclosure_links(page: &Page, site: &Url) -> Vec<Url> {
    let mut out: Vec<Url> = page
        .links
        .iter()
        .filter(|l| !l.hidden && l.url.host_str() == site.host_str())
        .filter(|l| {
            is_disclosure_label(&l.text) || fold_vi(l.url.path()).replace(['-', '_'], " ").contains("cong khai")
        })
        .map(|l| l.url.clone())
        .collect();
    out.dedup();
    out
}

/// A CMS and its version, from a generator tag or asset URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Software {
    pub name: String,
    pub version: Option<(u32, u32, u32)>,
    pub evidence: String,
}

fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let v: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut parts = v.split('.').filter(|p| !p.is_empty()).map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// Detects WordPress or Joomla and its version from the generator tag, `X-Powered-By` or
/// WordPress asset URLs (`?ver=`).
pub fn detect_software(page: &Page, powered_by: Option<&str>) -> Option<Software> {
    if let Some(generator) = &page.generator {
        let lower = generator.to_ascii_lowercase();
        for name in ["wordpress", "joomla", "drupal"] {
            if lower.contains(name) {
                return Some(Software {
                    name: name_case(name),
                    version: parse_version(&lower[lower.find(name).map(|p| p + name.len()).unwrap_or(0)..]),
                    evidence: format!("meta generator: {generator}"),
                });
            }
        }
        return Some(Software {
            name: generator.clone(),
            version: parse_version(generator),
            evidence: format!("meta generator: {generator}"),
        });
    }
    for r in &page.resources {
        let path = r.path();
        if (path.contains("/wp-includes/") || path.contains("/wp-content/"))
            && let Some(ver) = r.query_pairs().find(|(k, _)| k == "ver").map(|(_, v)| v.into_owned())
            && path.contains("/wp-includes/")
        {
            return Some(Software {
                name: "WordPress".into(),
                version: parse_version(&ver),
                evidence: format!("tài nguyên {r}"),
            });
        }
    }
    powered_by.map(|p| Software {
        name: p.to_string(),
        version: parse_version(p),
        evidence: format!("X-Powered-By: {p}"),
    })
}

fn name_case(name: &str) -> String {
    match name {
        "wordpress" => "WordPress".into(),
        "joomla" => "Joomla".into(),
        "drupal" => "Drupal".into(),
        other => other.into(),
    }
}

/// Whether a detected CMS is older than the configured floor.
pub fn is_outdated(sw: &Software, wordpress_floor: (u32, u32), joomla_floor: (u32, u32)) -> bool {
    let Some((major, minor, _)) = sw.version else {
        return false;
    };
    let floor = match sw.name.as_str() {
        "WordPress" => wordpress_floor,
        "Joomla" => joomla_floor,
        _ => return false,
    };
    (major, minor) < floor
}

/// Sub-resources loaded over plain HTTP by an HTTPS page.
pub fn mixed_content(page: &Page, page_url: &Url) -> Vec<Url> {
    if page_url.scheme() != "https" {
        return Vec::new();
    }
    page.resources
        .iter()
        .filter(|r| r.scheme() == "http")
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disclosure_parts() {
        let text = "CÔNG KHAI THÔNG TIN: Thông tin chung về nhà trường; Công khai tài chính; Đội ngũ cán bộ, giáo viên; \
                    Cơ sở vật chất; Kiểm định chất lượng giáo dục; Kế hoạch giáo dục năm học; Báo cáo thường niên 2025–2026";
        assert_eq!(disclosure_parts_found(text), vec![0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(disclosure_parts_found("Thông tin chung; Cơ sở vật chất"), vec![0, 3]);
        assert!(is_disclosure_label("Thực hiện công khai"));
        assert!(!is_disclosure_label("Tin tức"));
    }

    #[test]
    fn software_versions() {
        let base = Url::parse("https://x.edu.vn/").unwrap();
        let p = Page::parse(r#"<meta name="generator" content="WordPress 5.2.1">"#, &base);
        let sw = detect_software(&p, None).unwrap();
        assert_eq!((sw.name.as_str(), sw.version), ("WordPress", Some((5, 2, 1))));
        assert!(is_outdated(&sw, (6, 0), (4, 0)));
        let p = Page::parse(
            r#"<meta name="generator" content="Joomla! - Open Source Content Management - Version 4.4.2">"#,
            &base,
        );
        let sw = detect_software(&p, None).unwrap();
        assert_eq!(sw.version, Some((4, 4, 2)));
        assert!(!is_outdated(&sw, (6, 0), (4, 0)));
        let p = Page::parse(
            r#"<script src="/wp-includes/js/jquery/jquery.min.js?ver=4.9.8"></script>"#,
            &base,
        );
        assert_eq!(detect_software(&p, None).unwrap().version, Some((4, 9, 8)));
        let p = Page::parse("<p>x</p>", &base);
        assert_eq!(
            detect_software(&p, Some("PHP/5.6.40")).unwrap().version,
            Some((5, 6, 40))
        );
        assert!(detect_software(&p, None).is_none());
    }

    #[test]
    fn mixed() {
        let base = Url::parse("https://x.edu.vn/").unwrap();
        let p = Page::parse(
            r#"<img src="http://cdn.x/a.png"><script src="https://cdn.x/b.js"></script><a href="http://other/">x</a>"#,
            &base,
        );
        assert_eq!(mixed_content(&p, &base).len(), 1);
        assert!(mixed_content(&p, &Url::parse("http://x.edu.vn/").unwrap()).is_empty());
    }
}
