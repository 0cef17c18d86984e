//! Outbound webhooks: an office connects its own messaging provider (a Zalo Official Account
//! bot, an SMS gateway) by giving an address and a shared secret; Lành Mạng posts each event to
//! it, signed, and never holds the provider's credentials.
//!
//! The signature follows the Standard Webhooks scheme, so the receiver can verify with any of
//! its libraries: headers `webhook-id` (the delivery's number, the same on every retry: the
//! receiver drops a duplicate by it), `webhook-timestamp` (Unix seconds of this attempt) and
//! `webhook-signature` (`v1,` then the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`). A
//! secret written `whsec_…` is the base64 key of that scheme; any other secret is used as its
//! UTF-8 bytes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::Url;

use crate::field::FieldProblem;

/// Connections one office may keep (a provider or two, and one being replaced).
pub const MAX_PER_UNIT: usize = 5;
pub const MIN_SECRET_CHARS: usize = 16;
pub const MAX_SECRET_CHARS: usize = 200;
pub const MAX_URL_CHARS: usize = 500;
pub const MAX_DESCRIPTION_CHARS: usize = 200;

/// Attempts before a delivery is given up: with the backoff below, about an hour and a half.
pub const MAX_ATTEMPTS: i64 = 8;

/// What the receiver is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Event {
    /// A notice was sent: its text, its link and its audience (never a person's name or
    /// contact), for the provider to pass on.
    #[serde(rename = "notice.sent")]
    NoticeSent,
    /// A test sent from the connection's page.
    #[serde(rename = "ping")]
    Ping,
}

impl Event {
    pub const ALL: [Event; 2] = [Event::NoticeSent, Event::Ping];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::NoticeSent => "notice.sent",
            Event::Ping => "ping",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Event::NoticeSent => "Thông báo mới",
            Event::Ping => "Gửi thử",
        }
    }

    pub fn parse(raw: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == raw)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt (or being posted now, under a lease).
    Queued,
    /// The receiver answered 2xx.
    Delivered,
    /// Refused for good (a 4xx other than 408, 425, 429), or out of attempts.
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [
        DeliveryStatus::Queued,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "Đang chờ gửi",
            DeliveryStatus::Delivered => "Đã nhận",
            DeliveryStatus::Failed => "Không gửi được",
        }
    }

    pub fn parse(raw: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// What an answer means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Delivered,
    /// It may work later: the receiver is busy, down or slow.
    Retry,
    /// It will not work by trying again. Redirects are not followed: the address given is
    /// the one posted to.
    Refused,
}

pub fn answer(status: u16) -> Answer {
    match status {
        200..=299 => Answer::Delivered,
        408 | 425 | 429 | 500..=599 => Answer::Retry,
        _ => Answer::Refused,
    }
}

/// The first retry waits this long; each further one twice as long…
pub const BACKOFF_BASE_SECS: i64 = 30;
/// …up to this.
pub const BACKOFF_MAX_SECS: i64 = 30 * 60;

/// The wait after `attempts` failed attempts: `base` doubling, capped at `max`.
pub fn retry_delay_secs(base: i64, max: i64, attempts: i64) -> i64 {
    let shift = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    base.max(0).saturating_mul(1_i64 << shift).min(max)
}

/// A connection as typed in the form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct WebhookInput {
    #[serde(default)]
    pub url: String,
    /// Empty: Lành Mạng makes one (`whsec_…`) and shows it once.
    #[serde(default)]
    pub secret: String,
    #[serde(default)]
    pub description: String,
}

/// A checked connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookFields {
    pub url: Url,
    pub secret: String,
    pub description: String,
}

impl WebhookInput {
    /// `allow_private`: accept plain HTTP and local or private addresses (the demo and tests;
    /// in production the receiver must be a public HTTPS address).
    pub fn parse(&self, allow_private: bool) -> Result<WebhookFields, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let url = match parse_url(self.url.trim(), allow_private) {
            Ok(url) => Some(url),
            Err(message) => {
                problems.push(FieldProblem::at("url", message));
                None
            }
        };
        let secret = self.secret.trim();
        let secret = if secret.is_empty() {
            new_secret()
        } else {
            let chars = secret.chars().count();
            if !(MIN_SECRET_CHARS..=MAX_SECRET_CHARS).contains(&chars)
                || secret.chars().any(|c| c.is_control() || c.is_whitespace())
            {
                problems.push(FieldProblem::at(
                    "secret",
                    format!(
                        "Khóa bí mật dài từ {MIN_SECRET_CHARS} đến {MAX_SECRET_CHARS} ký tự, không có khoảng trắng; \
                         để trống để Lành Mạng tạo khóa."
                    ),
                ));
            } else if let Some(b64) = secret.strip_prefix("whsec_")
                && STANDARD.decode(b64).map_or(true, |k| k.len() < 16)
            {
                problems.push(FieldProblem::at(
                    "secret",
                    "Khóa dạng whsec_… phải là base64 của ít nhất 16 byte.",
                ));
            }
            secret.to_string()
        };
        let description = self.description.trim();
        if description.chars().count() > MAX_DESCRIPTION_CHARS || description.chars().any(char::is_control) {
            problems.push(FieldProblem::at(
                "description",
                format!("Mô tả một dòng, tối đa {MAX_DESCRIPTION_CHARS} ký tự."),
            ));
        }
        match url {
            Some(url) if problems.is_empty() => Ok(WebhookFields {
                url,
                secret,
                description: description.to_string(),
            }),
            _ => Err(problems),
        }
    }
}

fn parse_url(raw: &str, allow_private: bool) -> Result<Url, String> {
    if raw.is_empty() {
        return Err("Hãy nhập địa chỉ nhận (https://…) do nhà cung cấp dịch vụ tin nhắn đưa.".into());
    }
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(format!("Địa chỉ dài tối đa {MAX_URL_CHARS} ký tự."));
    }
    let url =
        Url::parse(raw).map_err(|_| "Địa chỉ không hợp lệ; hãy dán nguyên địa chỉ https://… nhận được.".to_string())?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err("Địa chỉ nhận phải bắt đầu bằng https:// để nội dung được mã hóa trên đường truyền.".into()),
    }
    let Some(host) = url.host_str() else {
        return Err("Địa chỉ không có tên máy chủ.".into());
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Không ghi tên đăng nhập hay mật khẩu trong địa chỉ; dùng khóa bí mật.".into());
    }
    if url.fragment().is_some() {
        return Err("Địa chỉ không được có phần #….".into());
    }
    if !allow_private {
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>();
        if crate::address_policy::is_localhost_name(host)
            || literal.is_ok_and(crate::address_policy::is_non_public)
            || !host.contains('.')
        {
            return Err("Địa chỉ nhận phải là địa chỉ công khai trên Internet.".into());
        }
    }
    Ok(url)
}

/// A new secret in the Standard Webhooks form: `whsec_` and the base64 of 24 random bytes.
pub fn new_secret() -> String {
    use rand::Rng;
    let mut key = [0u8; 24];
    rand::rng().fill(&mut key[..]);
    format!("whsec_{}", STANDARD.encode(key))
}

/// The key a secret stands for (see the module's documentation).
pub fn signing_key(secret: &str) -> Vec<u8> {
    if let Some(b64) = secret.strip_prefix("whsec_")
        && let Ok(key) = STANDARD.decode(b64)
    {
        return key;
    }
    secret.as_bytes().to_vec()
}

/// The `webhook-signature` header for one attempt.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "v1,{}",
        STANDARD.encode(mac(secret, id, timestamp, body).finalize().into_bytes())
    )
}

/// Whether `header` (one or more space-separated `v1,…` signatures) signs the message: what the
/// receiver checks, in constant time.
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    header.split_whitespace().any(|one| {
        one.strip_prefix("v1,")
            .and_then(|b64| STANDARD.decode(b64).ok())
            .is_some_and(|sig| mac(secret, id, timestamp, body).verify_slice(&sig).is_ok())
    })
}

fn mac(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length: new_from_slice cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&signing_key(secret)).unwrap_or_else(|_| unreachable!());
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// How the secret is shown after it was made: its first characters only.
pub fn secret_hint(secret: &str) -> String {
    let shown: String = secret.chars().take(10).collect();
    format!("{shown}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(url: &str, secret: &str) -> WebhookInput {
        WebhookInput {
            url: url.into(),
            secret: secret.into(),
            description: "Zalo OA".into(),
        }
    }

    #[test]
    fn the_standard_webhooks_example_verifies() {
        // The example of the Standard Webhooks specification (its published test vector).
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let signature = sign(secret, id, 1614265330, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(verify(secret, id, 1614265330, body, &format!("v1,bad {signature}")));
        assert!(!verify(secret, id, 1614265331, body, &signature), "another time");
        assert!(!verify(
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAA",
            id,
            1614265330,
            body,
            &signature
        ));
        assert!(!verify(secret, id, 1614265330, b"{}", &signature));
    }

    #[test]
    fn plain_secrets_are_their_bytes_and_new_ones_are_standard() {
        assert_eq!(signing_key("mot-khoa-bi-mat-dai"), b"mot-khoa-bi-mat-dai");
        let made = new_secret();
        assert!(made.starts_with("whsec_") && signing_key(&made).len() == 24, "{made}");
        assert_ne!(made, new_secret());
        assert_eq!(secret_hint(&made).chars().count(), 11);
    }

    #[test]
    fn connections_are_checked_field_by_field() {
        let ok = input("https://zalo-bot.pgd-anbinh.vn/lanhmang", "mot-khoa-bi-mat-dai")
            .parse(false)
            .unwrap();
        assert_eq!(ok.url.host_str(), Some("zalo-bot.pgd-anbinh.vn"));
        let generated = input("https://sms.example.vn/hook", "").parse(false).unwrap();
        assert!(generated.secret.starts_with("whsec_"));
        for (url, why) in [
            ("", "empty"),
            ("http://sms.example.vn/hook", "plain HTTP"),
            ("ftp://sms.example.vn/", "not HTTP"),
            ("https://127.0.0.1/hook", "loopback"),
            ("https://10.1.2.3/hook", "private"),
            ("https://[::1]/hook", "loopback v6"),
            ("https://localhost/hook", "localhost"),
            ("https://intranet/hook", "no dot"),
            ("https://user:pw@sms.example.vn/", "credentials"),
            ("https://sms.example.vn/#x", "fragment"),
            ("không phải địa chỉ", "junk"),
        ] {
            let problems = input(url, "mot-khoa-bi-mat-dai").parse(false).unwrap_err();
            assert_eq!(problems.len(), 1, "{why}: {problems:?}");
            assert_eq!(problems[0].field, "url", "{why}");
        }
        assert!(
            input("http://127.0.0.1:9/hook", "mot-khoa-bi-mat-dai")
                .parse(true)
                .is_ok()
        );
        for secret in ["ngan", "có khoảng trắng ở giữa khóa", "whsec_bad!", "whsec_AAAA"] {
            let problems = input("https://sms.example.vn/hook", secret).parse(false).unwrap_err();
            assert_eq!(problems[0].field, "secret", "{secret}");
        }
        let mut long = input("https://sms.example.vn/hook", "");
        long.description = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert_eq!(long.parse(false).unwrap_err()[0].field, "description");
    }

    #[test]
    fn answers_and_backoff() {
        assert_eq!(answer(204), Answer::Delivered);
        for retry in [408, 425, 429, 500, 502, 503] {
            assert_eq!(answer(retry), Answer::Retry, "{retry}");
        }
        for refused in [301, 400, 401, 404, 410, 422] {
            assert_eq!(answer(refused), Answer::Refused, "{refused}");
        }
        let waits: Vec<i64> = (1..=8)
            .map(|a| retry_delay_secs(BACKOFF_BASE_SECS, BACKOFF_MAX_SECS, a))
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1800, 1800]);
        assert_eq!(retry_delay_secs(BACKOFF_BASE_SECS, BACKOFF_MAX_SECS, 1000), 1800);
        assert_eq!(retry_delay_secs(0, BACKOFF_MAX_SECS, 5), 0, "tests retry at once");
        assert_eq!(Event::parse("notice.sent"), Some(Event::NoticeSent));
        assert_eq!(DeliveryStatus::parse("failed"), Some(DeliveryStatus::Failed));
    }
}
