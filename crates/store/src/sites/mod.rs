//! Website supervision: the registry of web properties, inspection standards, runs, findings
//! with their history, alerts (in-app notifications and mail) and "inspect now" requests.
//!
//! The overview and the site list read only the `sites` table, which every run updates with
//! the latest state, so they stay fast at tens of thousands of sites.

use time::Duration;

use crate::{Arg, now, path_range_of, range_condition};

/// The job kind that inspects one site.
pub const INSPECT_SITE_JOB: &str = "inspect_site";

/// The scope as conditions on the sites' own copy of their unit's path (`s.unit_path`), so that
/// a subtree is one range of the sites' index, with no join.
pub(super) fn scope_sql(
    roots_ranges: &[(String, String)],
    unit: Option<&[i64]>,
    first: usize,
) -> (Vec<String>, Vec<Arg>) {
    let (scope, binds) = range_condition("s.unit_path", roots_ranges, first);
    let mut binds: Vec<Arg> = binds.into_iter().map(Arg::Text).collect();
    let mut conditions = vec![scope];
    if let Some(ancestry) = unit {
        let (low, high) = path_range_of(ancestry);
        let a = first + binds.len();
        conditions.push(format!("s.unit_path >= ${a} AND s.unit_path < ${}", a + 1));
        binds.push(Arg::Text(low));
        binds.push(Arg::Text(high));
    }
    (conditions, binds)
}

/// The filters of the site list, as SQL conditions over `s` and their arguments.
pub(super) fn site_conditions(filter: &SiteFilter, conditions: &mut Vec<String>, binds: &mut Vec<Arg>, first: usize) {
    let push = |c: &str, v: Arg, conditions: &mut Vec<String>, binds: &mut Vec<Arg>| {
        let next = first + binds.len();
        conditions.push(c.replace("$?", &format!("${next}")));
        binds.push(v);
    };
    if let Some(g) = &filter.grade {
        if g == "none" {
            conditions.push("s.grade IS NULL".into());
        } else {
            push("s.grade = $?", Arg::Text(g.clone()), conditions, binds);
        }
    }
    if let Some(st) = &filter.status {
        push("s.status = $?", Arg::Text(st.clone()), conditions, binds);
    }
    if let Some(state) = filter.state {
        push("s.state = $?", Arg::Text(state.as_str().to_string()), conditions, binds);
    }
    if let Some(q) = &filter.q {
        push(
            "s.url LIKE $? ESCAPE '\\'",
            Arg::Text(format!("%{}%", crate::like_escape(&q.to_lowercase()))),
            conditions,
            binds,
        );
    }
    match filter.problem.as_deref() {
        Some("cert") => {
            push(
                "s.cert_expires_at IS NOT NULL AND s.cert_expires_at < $?",
                Arg::Time(now() + Duration::days(30)),
                conditions,
                binds,
            );
        }
        Some("compromised") => conditions.push("s.compromised = TRUE".into()),
        Some("disclosure") => conditions.push("s.disclosure_gap = TRUE".into()),
        Some("failing") => conditions.push("s.meets_standard = FALSE".into()),
        _ => {}
    }
}

mod alerts;
mod domains;
mod findings;
mod record;
mod registry;
mod runs;
mod standards;
#[cfg(test)]
mod tests;

pub use alerts::*;
pub use domains::*;
pub use findings::*;
pub use registry::*;
pub use runs::*;
pub use standards::*;
