//! Findings: the list's filters, the title a person reads, and moving a finding along.

use lanhmang_domain::finding::FindingCode;
use lanhmang_domain::{Action, Paging};
use lanhmang_store::Unit;
use lanhmang_store::sites::{FindingFilter, SiteFinding};

use super::{unit_filter, view_roots, visible_finding, visible_site};
use crate::{Actor, App, AppError, Result};

/// The states a finding goes through, in order.
pub const STATES: [&str; 4] = ["open", "acknowledged", "fixed", "resolved"];

/// Checks a finding state filter.
pub fn parse_finding_state(raw: Option<&str>) -> Result<Option<String>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if STATES.contains(&s) => Ok(Some(s.to_string())),
        Some(s) => Err(format!(
            "Tình trạng «{s}» không hợp lệ (open, acknowledged, fixed hoặc resolved)."
        )),
    }
}

/// The title of a stored finding code: the guide's title, or the code itself for a code this
/// build does not know (an older inspector's). Pages and the API show the same.
pub fn finding_title(code: &str) -> String {
    FindingCode::parse(code).map_or_else(|| code.to_string(), |c| c.title().to_string())
}

/// What a stored finding means in one plain sentence, before its technical evidence. Pages,
/// the API and notices say the same.
pub fn finding_summary(code: &str, evidence: &str) -> String {
    lanhmang_domain::remediation::plain_sentence_for(code, evidence)
}

/// One failing test of the server's security configuration, with what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderFix {
    /// Observatory's test name.
    pub test: String,
    /// Observatory's result, e.g. `csp-not-implemented`.
    pub result: String,
    pub title: String,
    pub meaning: String,
    pub fix: String,
    /// The guide's address (`/huong-dan/…`).
    pub guide: String,
}

/// The failing header tests of a run, from its stored detail (`header_tests`), each with its
/// Vietnamese fix, in the advice's order (unknown tests last, by name).
pub fn failing_header_tests(detail: &str) -> Vec<HeaderFix> {
    use lanhmang_domain::header_advice::{HEADER_ADVICE, advice};
    let Ok(value) = serde_json::from_str::<serde_json::Value>(detail) else {
        return Vec::new();
    };
    let Some(tests) = value.get("header_tests").and_then(|t| t.as_object()) else {
        return Vec::new();
    };
    let mut out: Vec<(usize, HeaderFix)> = tests
        .iter()
        .filter(|(_, t)| t.get("pass").and_then(|p| p.as_bool()) == Some(false))
        .map(|(name, t)| {
            let result = t.get("result").and_then(|r| r.as_str()).unwrap_or("").to_string();
            let order = HEADER_ADVICE.iter().position(|a| a.test == name).unwrap_or(usize::MAX);
            let fix = match advice(name) {
                Some(a) => HeaderFix {
                    test: name.clone(),
                    result,
                    title: a.title.to_string(),
                    meaning: a.meaning.to_string(),
                    fix: a.fix.to_string(),
                    guide: format!("/huong-dan/{}", a.guide),
                },
                None => HeaderFix {
                    test: name.clone(),
                    result,
                    title: name.clone(),
                    meaning: "Một kiểm tra cấu hình bảo mật máy chủ chưa đạt.".into(),
                    fix: "Xem hướng dẫn chung về cấu hình bảo mật máy chủ.".into(),
                    guide: "/huong-dan/weak_security_headers".into(),
                },
            };
            (order, fix)
        })
        .collect();
    out.sort_by(|a, b| (a.0, &a.1.test).cmp(&(b.0, &b.1.test)));
    out.into_iter().map(|(_, f)| f).collect()
}

#[cfg(test)]
mod header_tests {
    use super::*;

    #[test]
    fn failing_tests_come_with_their_fix_in_order() {
        let detail = r#"{"header_tests": {
            "x-content-type-options": {"result": "x-content-type-options-not-implemented", "score_modifier": -5, "pass": false},
            "content-security-policy": {"result": "csp-not-implemented", "score_modifier": -25, "pass": false},
            "redirection": {"result": "redirection-to-https", "score_modifier": 0, "pass": true},
            "a-newer-test": {"result": "x", "score_modifier": 0, "pass": false}
        }}"#;
        let fixes = failing_header_tests(detail);
        let names: Vec<&str> = fixes.iter().map(|f| f.test.as_str()).collect();
        assert_eq!(
            names,
            ["content-security-policy", "x-content-type-options", "a-newer-test"]
        );
        assert!(fixes[0].fix.contains(".htaccess") && fixes[0].guide.starts_with("/huong-dan/"));
        assert!(failing_header_tests("{}").is_empty());
        assert!(failing_header_tests("not json").is_empty());
    }
}

/// The findings list's filters as they arrive.
#[derive(Debug, Clone, Default)]
pub struct RawFindingFilter {
    pub unit_id: Option<i64>,
    pub site_id: Option<i64>,
    pub state: Option<String>,
}

/// The store's filter for someone's findings list. A malformed state is `Invalid`; a unit or
/// site outside the person's view is not found.
pub async fn finding_filter(app: &App, actor: &Actor, raw: &RawFindingFilter) -> Result<(FindingFilter, Option<Unit>)> {
    let state = parse_finding_state(raw.state.as_deref()).map_err(AppError::invalid)?;
    let unit = unit_filter(app, actor, raw.unit_id).await?;
    let site_id = match raw.site_id {
        Some(id) => Some(visible_site(app, actor, id, Action::ViewSites).await?.id),
        None => None,
    };
    Ok((
        FindingFilter {
            roots: view_roots(actor),
            unit_ancestry: unit.as_ref().map(|u| u.ancestry.clone()),
            site_id,
            state,
        },
        unit,
    ))
}

/// A page of findings.
pub async fn list_findings(app: &App, filter: &FindingFilter, paging: Paging) -> Result<(Vec<SiteFinding>, i64)> {
    Ok(app.store.list_findings(filter, paging).await?)
}

/// A site's findings in one state (none: open, acknowledged or fixed), newest first.
pub async fn site_findings(
    app: &App,
    site: &lanhmang_store::sites::Site,
    state: Option<&str>,
    limit: u32,
) -> Result<Vec<SiteFinding>> {
    let (rows, _) = app
        .store
        .list_findings(
            &FindingFilter {
                roots: site.ancestry.clone(),
                site_id: Some(site.id),
                state: state.map(str::to_string),
                ..Default::default()
            },
            Paging {
                page: 1,
                per_page: limit,
            },
        )
        .await?;
    Ok(rows)
}

/// How a finding moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The website administrator has seen it and takes it on.
    Acknowledge,
    /// They say it is fixed: a fresh full inspection of the site is queued to confirm.
    Fixed,
}

/// Moves a finding, for someone who manages its site.
pub async fn move_finding(app: &App, actor: &Actor, id: i64, to: Move) -> Result<SiteFinding> {
    visible_finding(app, actor, id, Action::ManageSites).await?;
    Ok(match to {
        Move::Fixed => app.store.mark_finding_fixed(&actor.audit(), id).await?,
        Move::Acknowledge => app.store.acknowledge_finding(&actor.audit(), id).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_states() {
        assert_eq!(finding_title("no_such_code"), "no_such_code");
        assert_ne!(finding_title("tls_expired"), "tls_expired");
        assert_eq!(parse_finding_state(Some(" fixed ")), Ok(Some("fixed".into())));
        assert_eq!(parse_finding_state(Some("")), Ok(None));
        assert!(parse_finding_state(Some("gone")).is_err());
    }
}
