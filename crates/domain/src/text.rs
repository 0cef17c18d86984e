//! Vietnamese text folding for diacritic-insensitive search and lenient parsing of labels.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds Vietnamese text for comparison: NFD, combining marks dropped, đ/Đ → d, lowercase,
/// runs of white space collapsed to one space and trimmed.
///
/// "Đào tạo" and "dao  tao" fold to the same string, so a search typed without diacritics on a
/// cheap phone finds what was written with them.
pub fn fold_vi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Text without diacritics, case kept ("Đỗ Thị Hạnh" → "Do Thi Hanh"): what a text message
/// carries when it must fit the 160 characters of the GSM alphabet (with diacritics a message
/// holds only 70).
pub fn unaccented(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

/// One line of user text: NFC (so the same word is stored the same way whatever keyboard typed
/// it), control characters dropped, white space collapsed, trimmed.
pub fn clean_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .nfc()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .collect::<String>()
        .split_whitespace()
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A date as Vietnamese readers write it: 05/06/2027.
pub fn date_text(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// Folds a label into a key for lenient matching: folded, and every non-alphanumeric run
/// becomes one underscore ("Mã đơn vị cấp trên" → "ma_don_vi_cap_tren").
pub fn fold_key(text: &str) -> String {
    let folded = fold_vi(text);
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_diacritics_and_d() {
        assert_eq!(fold_vi("Đào tạo"), "dao tao");
        assert_eq!(fold_vi("  TRƯỜNG   Tiểu học  Đống Đa "), "truong tieu hoc dong da");
        assert_eq!(fold_vi("Nguyễn Thị Hằng"), "nguyen thi hang");
        assert_eq!(fold_vi(""), "");
    }

    #[test]
    fn precomposed_and_decomposed_fold_alike() {
        let precomposed = "Việt";
        let decomposed = "Vie\u{0302}\u{0323}t";
        assert_eq!(fold_vi(precomposed), fold_vi(decomposed));
    }

    #[test]
    fn keys_fold_punctuation() {
        assert_eq!(fold_key("Mã đơn vị cấp trên"), "ma_don_vi_cap_tren");
        assert_eq!(fold_key(" TH & THCS "), "th_thcs");
        assert_eq!(fold_key("parent_code"), "parent_code");
    }
}
