//! Units of the organisation tree. Levels are data: a unit has a kind and a parent, and any
//! number of levels may stand between the ministry and a school.

use serde::{Deserialize, Serialize};

use crate::text::fold_key;

/// What kind of body a unit is. "Office" is any coordinating office with schools below it: a
/// district office before July 2025, a ward or commune culture-society office after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Ministry,
    Department,
    Office,
    School,
    Other,
}

impl UnitKind {
    pub const ALL: [UnitKind; 5] = [
        UnitKind::Ministry,
        UnitKind::Department,
        UnitKind::Office,
        UnitKind::School,
        UnitKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Ministry => "ministry",
            UnitKind::Department => "department",
            UnitKind::Office => "office",
            UnitKind::School => "school",
            UnitKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UnitKind::Ministry => "Bộ",
            UnitKind::Department => "Sở GD&ĐT",
            UnitKind::Office => "Phòng/cơ quan điều phối",
            UnitKind::School => "Trường",
            UnitKind::Other => "Đơn vị khác",
        }
    }

    /// Accepts the code (`office`) or a Vietnamese label, with or without diacritics.
    pub fn parse(raw: &str) -> Option<UnitKind> {
        match fold_key(raw).as_str() {
            "ministry" | "bo" | "bo_gd_dt" | "bo_giao_duc_va_dao_tao" => Some(UnitKind::Ministry),
            "department" | "so" | "so_gd_dt" | "so_giao_duc_va_dao_tao" => Some(UnitKind::Department),
            "office"
            | "phong"
            | "phong_gd_dt"
            | "phong_giao_duc_va_dao_tao"
            | "phong_van_hoa_xa_hoi"
            | "phong_vh_xh"
            | "ubnd"
            | "ubnd_phuong"
            | "ubnd_xa"
            | "phong_co_quan_dieu_phoi" => Some(UnitKind::Office),
            "school" | "truong" | "truong_hoc" => Some(UnitKind::School),
            "other" | "khac" | "don_vi_khac" => Some(UnitKind::Other),
            _ => None,
        }
    }
}

/// The school level, for schools only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchoolLevel {
    /// Tiểu học.
    Primary,
    /// Trung học cơ sở.
    LowerSecondary,
    /// Liên cấp TH&THCS.
    Combined,
}

impl SchoolLevel {
    pub const ALL: [SchoolLevel; 3] = [SchoolLevel::Primary, SchoolLevel::LowerSecondary, SchoolLevel::Combined];

    pub fn as_str(self) -> &'static str {
        match self {
            SchoolLevel::Primary => "primary",
            SchoolLevel::LowerSecondary => "lower_secondary",
            SchoolLevel::Combined => "combined",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SchoolLevel::Primary => "Tiểu học",
            SchoolLevel::LowerSecondary => "THCS",
            SchoolLevel::Combined => "Liên cấp TH&THCS",
        }
    }

    pub fn parse(raw: &str) -> Option<SchoolLevel> {
        match fold_key(raw).as_str() {
            "primary" | "tieu_hoc" | "th" => Some(SchoolLevel::Primary),
            "lower_secondary" | "thcs" | "trung_hoc_co_so" => Some(SchoolLevel::LowerSecondary),
            "combined" | "lien_cap" | "lien_cap_th_thcs" | "th_thcs" | "tieu_hoc_va_thcs" => {
                Some(SchoolLevel::Combined)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    Active,
    Closed,
}

impl UnitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitStatus::Active => "active",
            UnitStatus::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UnitStatus::Active => "Đang hoạt động",
            UnitStatus::Closed => "Đã đóng",
        }
    }

    pub fn parse(raw: &str) -> Option<UnitStatus> {
        match fold_key(raw).as_str() {
            "active" | "hoat_dong" | "dang_hoat_dong" => Some(UnitStatus::Active),
            "closed" | "da_dong" | "dong" | "giai_the" | "ngung_hoat_dong" => Some(UnitStatus::Closed),
            _ => None,
        }
    }
}

/// A unit's code: what imports and integrations use to name a unit. 1 to 32 characters of
/// ASCII letters, digits, '.', '-' or '_', kept as written (codes are compared exactly).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitFieldError {
    #[error("Mã đơn vị không được để trống.")]
    CodeEmpty,
    #[error("Mã đơn vị dài tối đa 32 ký tự, chỉ gồm chữ không dấu, số và các ký tự . - _")]
    CodeInvalid,
    #[error("Tên đơn vị không được để trống.")]
    NameEmpty,
    #[error("Tên đơn vị dài tối đa 200 ký tự.")]
    NameTooLong,
    #[error("Loại đơn vị không hợp lệ (dùng: bo, so, phong, truong, khac).")]
    Kind,
    #[error("Cấp học không hợp lệ (dùng: Tiểu học, THCS, Liên cấp TH&THCS).")]
    SchoolLevel,
    #[error("Trường học phải có cấp học.")]
    SchoolLevelMissing,
    #[error("Chỉ trường học mới có cấp học.")]
    SchoolLevelNotSchool,
    #[error("Trạng thái không hợp lệ (dùng: hoạt động, đã đóng).")]
    Status,
    #[error("Địa chỉ dài tối đa 300 ký tự.")]
    AddressTooLong,
    #[error("Địa chỉ website không hợp lệ: {0} (cần dạng https://ten-mien.edu.vn).")]
    Website(String),
    #[error("Mỗi đơn vị có tối đa 5 website.")]
    TooManyWebsites,
}

impl UnitCode {
    pub fn parse(raw: &str) -> Result<UnitCode, UnitFieldError> {
        let code = raw.trim();
        if code.is_empty() {
            return Err(UnitFieldError::CodeEmpty);
        }
        let ok = code.len() <= 32
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !ok {
            return Err(UnitFieldError::CodeInvalid);
        }
        Ok(UnitCode(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UnitCode {
    type Error = UnitFieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        UnitCode::parse(&value)
    }
}

impl From<UnitCode> for String {
    fn from(code: UnitCode) -> String {
        code.0
    }
}

impl std::fmt::Display for UnitCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The fields of a unit as a form or an import row gives them, validated together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFields {
    pub code: UnitCode,
    pub name: String,
    pub kind: UnitKind,
    pub school_level: Option<SchoolLevel>,
    pub status: UnitStatus,
    pub address: String,
    pub websites: Vec<String>,
}

/// Raw text of a unit's fields, before parsing.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UnitInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub school_level: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub websites: String,
}

/// Which field an error belongs to, so forms can show it beside the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitField {
    Code,
    Name,
    Kind,
    SchoolLevel,
    Status,
    Address,
    Websites,
}

impl UnitField {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitField::Code => "code",
            UnitField::Name => "name",
            UnitField::Kind => "kind",
            UnitField::SchoolLevel => "school_level",
            UnitField::Status => "status",
            UnitField::Address => "address",
            UnitField::Websites => "websites",
        }
    }
}

impl UnitInput {
    /// Parses every field and returns all the errors at once.
    pub fn parse(&self) -> Result<UnitFields, Vec<(UnitField, UnitFieldError)>> {
        let mut errors = Vec::new();
        let code = UnitCode::parse(&self.code)
            .map_err(|e| errors.push((UnitField::Code, e)))
            .ok();
        let name = self.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            errors.push((UnitField::Name, UnitFieldError::NameEmpty));
        } else if name.chars().count() > 200 {
            errors.push((UnitField::Name, UnitFieldError::NameTooLong));
        }
        let kind = UnitKind::parse(&self.kind);
        if kind.is_none() {
            errors.push((UnitField::Kind, UnitFieldError::Kind));
        }
        let school_level = if self.school_level.trim().is_empty() {
            None
        } else {
            let level = SchoolLevel::parse(&self.school_level);
            if level.is_none() {
                errors.push((UnitField::SchoolLevel, UnitFieldError::SchoolLevel));
            }
            level
        };
        match (kind, school_level, self.school_level.trim().is_empty()) {
            (Some(UnitKind::School), None, true) => {
                errors.push((UnitField::SchoolLevel, UnitFieldError::SchoolLevelMissing))
            }
            (Some(k), Some(_), _) if k != UnitKind::School => {
                errors.push((UnitField::SchoolLevel, UnitFieldError::SchoolLevelNotSchool))
            }
            _ => {}
        }
        let status = if self.status.trim().is_empty() {
            Some(UnitStatus::Active)
        } else {
            UnitStatus::parse(&self.status)
        };
        if status.is_none() {
            errors.push((UnitField::Status, UnitFieldError::Status));
        }
        let address = self.address.trim().to_string();
        if address.chars().count() > 300 {
            errors.push((UnitField::Address, UnitFieldError::AddressTooLong));
        }
        let websites = match parse_websites(&self.websites) {
            Ok(w) => w,
            Err(e) => {
                errors.push((UnitField::Websites, e));
                Vec::new()
            }
        };
        match (code, kind, status) {
            (Some(code), Some(kind), Some(status)) if errors.is_empty() => Ok(UnitFields {
                code,
                name,
                kind,
                school_level,
                status,
                address,
                websites,
            }),
            _ => Err(errors),
        }
    }
}

/// Website URLs separated by spaces, commas, semicolons or new lines. A bare host gets https://.
pub fn parse_websites(raw: &str) -> Result<Vec<String>, UnitFieldError> {
    let mut out: Vec<String> = Vec::new();
    for part in raw
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|p| !p.is_empty())
    {
        let with_scheme = if part.contains("://") {
            part.to_string()
        } else {
            format!("https://{part}")
        };
        let url = url::Url::parse(&with_scheme).map_err(|_| UnitFieldError::Website(part.to_string()))?;
        let host_ok = url.host_str().is_some_and(|h| h.contains('.') || h == "localhost");
        if !matches!(url.scheme(), "http" | "https") || !host_ok || part.len() > 300 {
            return Err(UnitFieldError::Website(part.to_string()));
        }
        let normalized = url.to_string();
        if !out.contains(&normalized) {
            out.push(normalized);
        }
    }
    if out.len() > 5 {
        return Err(UnitFieldError::TooManyWebsites);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_codes_and_labels() {
        assert_eq!(UnitKind::parse("Trường"), Some(UnitKind::School));
        assert_eq!(UnitKind::parse("truong"), Some(UnitKind::School));
        assert_eq!(UnitKind::parse("Sở GD&ĐT"), Some(UnitKind::Department));
        assert_eq!(UnitKind::parse("office"), Some(UnitKind::Office));
        assert_eq!(UnitKind::parse("hợp tác xã"), None);
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn levels_and_status_parse() {
        assert_eq!(SchoolLevel::parse("Tiểu học"), Some(SchoolLevel::Primary));
        assert_eq!(SchoolLevel::parse("THCS"), Some(SchoolLevel::LowerSecondary));
        assert_eq!(SchoolLevel::parse("Liên cấp TH&THCS"), Some(SchoolLevel::Combined));
        for l in SchoolLevel::ALL {
            assert_eq!(SchoolLevel::parse(l.label()), Some(l));
        }
        assert_eq!(UnitStatus::parse("Đã đóng"), Some(UnitStatus::Closed));
        assert_eq!(UnitStatus::parse("hoat dong"), Some(UnitStatus::Active));
    }

    #[test]
    fn codes_are_checked() {
        assert!(UnitCode::parse("TH-01").is_ok());
        assert_eq!(UnitCode::parse("  "), Err(UnitFieldError::CodeEmpty));
        assert_eq!(UnitCode::parse("mã 1"), Err(UnitFieldError::CodeInvalid));
        assert_eq!(UnitCode::parse(&"x".repeat(33)), Err(UnitFieldError::CodeInvalid));
    }

    #[test]
    fn unit_input_collects_every_error() {
        let input = UnitInput {
            code: "bad code".into(),
            name: "".into(),
            kind: "truong".into(),
            school_level: "".into(),
            status: "??".into(),
            address: "".into(),
            websites: "not a url at all://".into(),
        };
        let errors = input.parse().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            vec![
                UnitField::Code,
                UnitField::Name,
                UnitField::SchoolLevel,
                UnitField::Status,
                UnitField::Websites
            ]
        );
    }

    #[test]
    fn websites_are_normalized() {
        let w = parse_websites("thcs-anbinh.edu.vn, https://th-anbinh.edu.vn/\nthcs-anbinh.edu.vn").unwrap();
        assert_eq!(
            w,
            vec![
                "https://thcs-anbinh.edu.vn/".to_string(),
                "https://th-anbinh.edu.vn/".to_string()
            ]
        );
        assert!(parse_websites("ftp://x.edu.vn").is_err());
        assert!(parse_websites("").unwrap().is_empty());
    }
}
