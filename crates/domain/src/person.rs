//! People and their accounts: the fields a form or a command gives, parsed.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonFieldError {
    #[error("Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số và các ký tự . - _")]
    Username,
    #[error("Họ và tên không được để trống.")]
    NameEmpty,
    #[error("Họ và tên dài tối đa 120 ký tự.")]
    NameTooLong,
    #[error("Địa chỉ e-mail không hợp lệ.")]
    Email,
    #[error("Số điện thoại không hợp lệ (9–15 chữ số, có thể bắt đầu bằng +).")]
    Phone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonField {
    Username,
    DisplayName,
    Email,
    Phone,
}

impl PersonField {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonField::Username => "username",
            PersonField::DisplayName => "display_name",
            PersonField::Email => "email",
            PersonField::Phone => "phone",
        }
    }
}

/// A login name: lowercase ASCII letters, digits, '.', '-', '_'; 3 to 64 characters.
pub fn parse_username(raw: &str) -> Result<String, PersonFieldError> {
    let u = raw.trim().to_lowercase();
    let ok = (3..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
    if ok { Ok(u) } else { Err(PersonFieldError::Username) }
}

pub fn parse_display_name(raw: &str) -> Result<String, PersonFieldError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        Err(PersonFieldError::NameEmpty)
    } else if name.chars().count() > 120 {
        Err(PersonFieldError::NameTooLong)
    } else {
        Ok(name)
    }
}

/// An optional e-mail: empty is none; otherwise one '@' with a dotted domain and no spaces.
pub fn parse_email(raw: &str) -> Result<Option<String>, PersonFieldError> {
    let e = raw.trim();
    if e.is_empty() {
        return Ok(None);
    }
    let valid = e.len() <= 254
        && !e.chars().any(char::is_whitespace)
        && match e.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(Some(e.to_lowercase()))
    } else {
        Err(PersonFieldError::Email)
    }
}

/// An optional phone number, kept as digits with an optional leading '+'. Spaces, dots and
/// dashes that people type between groups are dropped.
pub fn parse_phone(raw: &str) -> Result<Option<String>, PersonFieldError> {
    let kept: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    if kept.is_empty() {
        return Ok(None);
    }
    let digits = kept.strip_prefix('+').unwrap_or(&kept);
    if (9..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(Some(kept))
    } else {
        Err(PersonFieldError::Phone)
    }
}

/// The fields of a person as a form gives them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonInput {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFields {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl PersonInput {
    pub fn parse(&self) -> Result<PersonFields, Vec<(PersonField, PersonFieldError)>> {
        let mut errors = Vec::new();
        let username = parse_username(&self.username)
            .map_err(|e| errors.push((PersonField::Username, e)))
            .ok();
        let display_name = parse_display_name(&self.display_name)
            .map_err(|e| errors.push((PersonField::DisplayName, e)))
            .ok();
        let email = parse_email(&self.email)
            .map_err(|e| errors.push((PersonField::Email, e)))
            .ok();
        let phone = parse_phone(&self.phone)
            .map_err(|e| errors.push((PersonField::Phone, e)))
            .ok();
        match (username, display_name, email, phone) {
            (Some(username), Some(display_name), Some(email), Some(phone)) => Ok(PersonFields {
                username,
                display_name,
                email,
                phone,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(parse_username(" Demo.Admin "), Ok("demo.admin".into()));
        assert!(parse_username("ab").is_err());
        assert!(parse_username("nguyễn").is_err());
        assert!(parse_username("a b c").is_err());
    }

    #[test]
    fn emails_and_phones() {
        assert_eq!(parse_email(""), Ok(None));
        assert_eq!(
            parse_email("Hieu.Truong@Truong.edu.vn"),
            Ok(Some("hieu.truong@truong.edu.vn".into()))
        );
        assert!(parse_email("a@b").is_err());
        assert!(parse_email("a b@c.vn").is_err());
        assert_eq!(parse_phone("0912 345 678"), Ok(Some("0912345678".into())));
        assert_eq!(parse_phone("+84 912-345-678"), Ok(Some("+84912345678".into())));
        assert!(parse_phone("12ab").is_err());
    }

    #[test]
    fn person_input_lists_all_errors() {
        let input = PersonInput {
            username: "x".into(),
            display_name: " ".into(),
            email: "no".into(),
            phone: "1".into(),
        };
        let errs = input.parse().unwrap_err();
        assert_eq!(errs.len(), 4);
    }
}
