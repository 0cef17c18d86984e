//! Findings: what an inspection found. The vocabulary (codes, severities, meanings, hints) is
//! the domain's, shared with the store and the pages; this adds the evidence of one inspection.

use serde::{Deserialize, Serialize};

pub use lanhmang_domain::finding::{FindingCode, Severity};

/// One thing found, with what shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    pub message: String,
    pub evidence: String,
    pub hint: String,
}

impl Finding {
    pub fn new(code: FindingCode, evidence: impl Into<String>) -> Finding {
        let mut evidence: String = evidence.into();
        if evidence.len() > 500 {
            let mut cut = 500;
            while !evidence.is_char_boundary(cut) {
                cut -= 1;
            }
            evidence.truncate(cut);
            evidence.push('…');
        }
        Finding {
            code,
            severity: code.severity(),
            message: code.message().to_string(),
            evidence,
            hint: code.hint().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_capped_on_a_character_boundary() {
        let f = Finding::new(FindingCode::SpamVisible, "đ".repeat(400));
        assert!(f.evidence.len() <= 504);
        assert!(f.evidence.ends_with('…'));
    }
}
