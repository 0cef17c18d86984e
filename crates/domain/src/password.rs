//! Password policy and hashing (Argon2id).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Mật khẩu phải có ít nhất 10 ký tự.")]
    TooShort,
    #[error("Mật khẩu dài tối đa 128 ký tự.")]
    TooLong,
    #[error("Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác.")]
    Common,
    #[error("Mật khẩu không được trùng với tên đăng nhập.")]
    SameAsUsername,
}

/// Passwords people choose most often (international lists and common Vietnamese patterns).
/// Compared after folding case and diacritics, so "MatKhau123456" is refused too.
const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "a123456789",
    "1234567890a",
    "0123456789",
    "9876543210",
    "1111111111",
    "0000000000",
    "1122334455",
    "1234512345",
    "qwertyuiop",
    "qwertyuiop123",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "password123",
    "password1234",
    "password12",
    "passw0rd123",
    "iloveyou123",
    "abcd123456",
    "abc1234567",
    "abcdefghij",
    "asdfghjkl123",
    "zxcvbnm123",
    "administrator",
    "admin12345",
    "admin123456",
    "welcome123",
    "letmein123",
    "football123",
    "baseball123",
    "sunshine123",
    "princess123",
    "dragon12345",
    "superman123",
    "trustno1234",
    "starwars123",
    "whatever123",
    "qazwsxedc123",
    "1234qwerty",
    "qwerty12345",
    "qwerty123456",
    "matkhau123",
    "matkhau1234",
    "matkhau12345",
    "matkhau123456",
    "matkhaumoi",
    "matkhaucuatoi",
    "anhyeuem123",
    "anhyeuem1234",
    "emyeuanh123",
    "iloveyou1234",
    "yeuem123456",
    "vietnam123",
    "vietnam1234",
    "vietnam2024",
    "vietnam2025",
    "vietnam2026",
    "hanoi12345",
    "saigon1234",
    "giaovien123",
    "giaovien2026",
    "hieutruong123",
    "truonghoc123",
    "hocsinh123",
    "hocsinh2026",
    "giaoduc123",
    "giaoduc2026",
    "phonggiaoduc",
    "sogiaoduc123",
    "nguyenvan123",
    "tieuhoc2026",
    "thcs123456",
    "123456789123",
    "11223344556",
    "147258369a",
    "1472583690",
    "123123123123",
    "123321123321",
    "5201314520",
    "0987654321",
    "0912345678",
    "changeme123",
    "default1234",
    "lanhmang123",
    "lanhmang2026",
    "khongcomatkhau",
    "abc@123456",
    "admin@12345",
    "Aa123456789",
    "aa12345678",
    "a1b2c3d4e5",
    "zaq12wsxcde",
    "987654321a",
    "1234abcd12",
];

/// Checks the policy: length, not the username, not a common password.
pub fn check_policy(password: &str, username: &str) -> Result<(), PasswordError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    if len > MAX_LEN {
        return Err(PasswordError::TooLong);
    }
    let folded = crate::text::fold_vi(password);
    let folded_username = crate::text::fold_vi(username);
    if folded_username.chars().count() >= 4 && folded.contains(&folded_username) {
        return Err(PasswordError::SameAsUsername);
    }
    let squeezed: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
    if COMMON.iter().any(|c| c.eq_ignore_ascii_case(&squeezed)) || is_one_repeated(&squeezed) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

fn is_one_repeated(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => true,
    }
}

#[derive(Debug, thiserror::Error)]
#[error("không băm được mật khẩu: {0}")]
pub struct HashError(String);

/// Hashes with Argon2id and the crate's default parameters (m = 19 MiB, t = 2, p = 1), which
/// follow OWASP's current minimum. The PHC string carries the parameters, so they can be raised
/// later without breaking stored hashes.
pub fn hash(password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Verifies a password against a stored PHC string; a malformed hash verifies nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password nobody knows, to spend the same time on unknown usernames as on
/// known ones (so timing does not tell which usernames exist).
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let mut secret = [0u8; 24];
        rand::rng().fill_bytes(&mut secret);
        // A failed hash leaves an empty decoy, which verifies nothing: safe, only faster.
        hash(&hex::encode(secret)).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(check_policy("short", "u"), Err(PasswordError::TooShort));
        assert_eq!(check_policy("matkhau123", "u"), Err(PasswordError::Common));
        assert_eq!(check_policy("MậtKhẩu123", "u"), Err(PasswordError::Common));
        assert_eq!(check_policy("aaaaaaaaaaaa", "u"), Err(PasswordError::Common));
        assert_eq!(
            check_policy("nguyen.van.a-2026", "nguyen.van.a"),
            Err(PasswordError::SameAsUsername)
        );
        assert_eq!(check_policy(&"x1".repeat(70), "u"), Err(PasswordError::TooLong));
        assert_eq!(check_policy("lanhmang-demo", "demo.admin"), Ok(()));
        assert_eq!(check_policy("cây tre trăm đốt 7", "u"), Ok(()));
    }

    #[test]
    fn hash_and_verify() {
        let h = hash("một mật khẩu dài").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("một mật khẩu dài", &h));
        assert!(!verify("một mật khẩu khác", &h));
        assert!(!verify("x", "not a hash"));
        assert!(!verify("x", decoy_hash()));
    }
}
