//! Document numbers in the form of Decree 30/2020/NĐ-CP: "05/KH-PGDĐT", "12/BC-THAB".
//! Numbers restart at 1 every 1 January for each issuing unit and document kind.

use serde::{Deserialize, Serialize};

/// The kinds of document this software issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Kế hoạch.
    Plan,
    /// Báo cáo.
    Report,
    /// Phiếu chuyển: a case handed to the body that must act on it.
    Transfer,
    /// Thông báo: an office's notice to the units below it.
    Notice,
}

impl DocumentKind {
    /// The abbreviation of Decree 30/2020, appendix III.
    pub fn abbreviation(self) -> &'static str {
        match self {
            DocumentKind::Plan => "KH",
            DocumentKind::Report => "BC",
            DocumentKind::Transfer => "PC",
            DocumentKind::Notice => "TB",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentNumberError {
    #[error("Số văn bản phải có dạng 05/KH-PGDĐT.")]
    Format,
    #[error("Số thứ tự văn bản phải từ 1 trở lên.")]
    Zero,
}

/// A parsed document number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentNumber {
    pub sequence: u32,
    pub kind: DocumentKind,
    /// The issuing unit's abbreviation, e.g. "PGDĐT" or "THAB".
    pub issuer: String,
}

impl DocumentNumber {
    pub fn parse(raw: &str) -> Result<DocumentNumber, DocumentNumberError> {
        let raw = raw.trim();
        let (seq, rest) = raw.split_once('/').ok_or(DocumentNumberError::Format)?;
        let sequence: u32 = seq.trim().parse().map_err(|_| DocumentNumberError::Format)?;
        if sequence == 0 {
            return Err(DocumentNumberError::Zero);
        }
        let (kind, issuer) = rest.split_once('-').ok_or(DocumentNumberError::Format)?;
        let kind = match kind.trim() {
            "KH" => DocumentKind::Plan,
            "BC" => DocumentKind::Report,
            "PC" => DocumentKind::Transfer,
            "TB" => DocumentKind::Notice,
            _ => return Err(DocumentNumberError::Format),
        };
        let issuer = issuer.trim();
        let ok = !issuer.is_empty()
            && issuer.chars().count() <= 20
            && issuer.chars().all(|c| c.is_alphanumeric() || c == '-');
        if !ok {
            return Err(DocumentNumberError::Format);
        }
        Ok(DocumentNumber {
            sequence,
            kind,
            issuer: issuer.to_string(),
        })
    }

    /// Zero-padded below 10, as offices write them: "05/KH-PGDĐT".
    pub fn format(&self) -> String {
        format!("{:02}/{}-{}", self.sequence, self.kind.abbreviation(), self.issuer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        let n = DocumentNumber::parse("5/KH-PGDĐT").unwrap();
        assert_eq!(
            (n.sequence, n.kind, n.issuer.as_str()),
            (5, DocumentKind::Plan, "PGDĐT")
        );
        assert_eq!(n.format(), "05/KH-PGDĐT");
        assert_eq!(DocumentNumber::parse("112/BC-THAB").unwrap().format(), "112/BC-THAB");
        assert_eq!(DocumentNumber::parse("3/PC-THAB").unwrap().kind, DocumentKind::Transfer);
        assert_eq!(DocumentNumber::parse("12/TB-PGDĐT").unwrap().kind, DocumentKind::Notice);
        for bad in ["KH-PGDĐT", "0/KH-X", "05/QĐ-X", "05/KH-", "x/KH-X", "05/KH-a b"] {
            assert!(DocumentNumber::parse(bad).is_err(), "{bad}");
        }
    }
}
