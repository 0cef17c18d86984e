//! One thing wrong with one field of what someone typed: the field's name, so a form shows the
//! message beside its input and the API lists it, and the message, in Vietnamese.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl FieldProblem {
    pub fn at(field: impl Into<String>, message: impl Into<String>) -> FieldProblem {
        FieldProblem {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Unit ids chosen in a form or sent in JSON, each once: one that is not an id, or more than
/// `max`, is a problem of `field` (whether they exist is the store's question).
pub fn parse_unit_ids(raw: &[String], max: usize, field: &str, problems: &mut Vec<FieldProblem>) -> Vec<i64> {
    let mut ids = Vec::new();
    for raw in raw.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
        match raw.parse::<i64>().ok().filter(|id| *id > 0) {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => problems.push(FieldProblem::at(field, "Đơn vị đã chọn không hợp lệ.")),
        }
    }
    if ids.len() > max {
        problems.push(FieldProblem::at(field, format!("Chọn không quá {max} đơn vị.")));
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_ids_are_parsed_once_each_and_bounded() {
        let mut problems = Vec::new();
        let raw: Vec<String> = ["3", " 3", "7", ""].iter().map(|s| s.to_string()).collect();
        assert_eq!(parse_unit_ids(&raw, 5, "units", &mut problems), vec![3, 7]);
        assert!(problems.is_empty());
        let bad: Vec<String> = ["x", "-1", "1", "2"].iter().map(|s| s.to_string()).collect();
        parse_unit_ids(&bad, 1, "units", &mut problems);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().all(|p| p.field == "units"));
    }
}
