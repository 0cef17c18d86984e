//! Short codes people read and type back: receipts, class invitations. They are drawn from an
//! alphabet without look-alikes (no 0/O, 1/I/L) and grouped by four, and read back ignoring
//! case, spaces and dashes.

const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// `len` random characters of the alphabet, a dash after every four ("7KQ2-MX9A").
pub fn random_code(len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut out = String::with_capacity(len + len / 4);
    for i in 0..len {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
    }
    out
}

/// A code of `len` characters as typed back, in the form `random_code` gives; `None` when it
/// cannot be one.
pub fn normalize_code(raw: &str, len: usize) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if compact.chars().count() != len || !compact.bytes().all(|b| ALPHABET.contains(&b)) {
        return None;
    }
    let mut out = String::with_capacity(len + len / 4);
    for (i, c) in compact.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_whatever_the_typing() {
        let code = random_code(8);
        assert_eq!(code.len(), 9);
        assert_eq!(
            normalize_code(&code.to_lowercase().replace('-', " "), 8),
            Some(code.clone())
        );
        assert_eq!(normalize_code(&code, 12), None);
        assert_eq!(normalize_code("0OIL-2345", 8), None, "look-alikes are never issued");
    }
}
