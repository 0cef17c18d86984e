//! The CSRF token as pages carry it: masked with fresh random bytes in every response, so
//! that a compressed page never repeats the same secret bytes (BREACH), while any masked copy
//! still proves the session's token.

use rand::RngCore;

/// `hex(mask) ++ hex(token XOR mask)`, with a new mask each time.
pub fn mask(token: &str) -> String {
    if token.is_empty() {
        return String::new();
    }
    let token = token.as_bytes();
    let mut mask = vec![0u8; token.len()];
    rand::rng().fill_bytes(&mut mask);
    let masked: Vec<u8> = token.iter().zip(&mask).map(|(t, m)| t ^ m).collect();
    format!("{}{}", hex::encode(&mask), hex::encode(masked))
}

/// Whether `sent` is the session's token `expected`, masked or as it is, compared in
/// constant time.
pub fn matches(sent: &str, expected: &str) -> bool {
    if expected.is_empty() {
        return false;
    }
    let expected = expected.as_bytes();
    if constant_time_eq(sent.as_bytes(), expected) {
        return true;
    }
    if sent.len() != expected.len() * 4 {
        return false;
    }
    let Ok(bytes) = hex::decode(sent) else {
        return false;
    };
    let (mask, masked) = bytes.split_at(expected.len());
    let token: Vec<u8> = masked.iter().zip(mask).map(|(x, m)| x ^ m).collect();
    constant_time_eq(&token, expected)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_masked_copy_differs_and_each_proves_the_token() {
        let token = "3f9a1c0b7e2d4a5f8c6b1e0d9a7f3c2b";
        let (a, b) = (mask(token), mask(token));
        assert_ne!(a, b, "a fresh mask each time");
        assert!(!a.contains(token));
        assert!(matches(&a, token) && matches(&b, token));
        assert!(
            matches(token, token),
            "the plain token (from the login cookie) still counts"
        );
        assert!(!matches(&mask("another-token-of-the-same-len!!!"), token));
        assert!(!matches(&a[..a.len() - 2], token));
        assert!(!matches(&"zz".repeat(token.len() * 2), token));
        assert!(!matches("", token));
        assert!(!matches("", ""), "no session, no token");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
