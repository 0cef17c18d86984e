//! Formatting for people who read Vietnamese: dates as dd/mm/yyyy in Vietnam's time zone.

use lanhmang_domain::report::VIETNAM;
use time::OffsetDateTime;

pub fn date_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(VIETNAM);
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        t.day(),
        u8::from(t.month()),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// "Đăng nhập sai quá nhiều lần…" with the wait: in seconds under a minute, else in minutes,
/// rounded up.
pub fn throttle_message(wait_seconds: i64) -> String {
    let wait_seconds = wait_seconds.max(1);
    let wait = if wait_seconds < 60 {
        format!("{wait_seconds} giây")
    } else {
        format!("{} phút", (wait_seconds + 59) / 60)
    };
    format!("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {wait}.")
}

/// Percent-encodes a string for a query parameter.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_dates() {
        let t = time::macros::datetime!(2026-11-28 20:30 UTC);
        assert_eq!(date_time(t), "29/11/2026 03:30");
    }

    #[test]
    fn throttle_wait_rounds_up() {
        assert!(throttle_message(61).contains("sau 2 phút."));
        assert!(throttle_message(60).contains("sau 1 phút."));
        assert!(throttle_message(12).contains("sau 12 giây."));
        assert!(throttle_message(0).contains("sau 1 giây."));
    }

    #[test]
    fn encodes() {
        assert_eq!(url_encode("/don-vi?q=a b"), "/don-vi%3Fq%3Da%20b");
    }
}
