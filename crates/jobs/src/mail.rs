//! E-mail delivery: the outbox's due mail, sent over SMTP with lettre on rustls (ring).
//!
//! Each mail is claimed under a lease (see `lanhmang_store::outbox`), sent on its own
//! connection, and marked: sent; retried later with exponential backoff when the failure may
//! pass (4xx replies, a server that cannot be reached, a timeout); failed for good on a
//! permanent refusal (5xx) or once its attempts run out. Without a configured server, mail stays
//! queued and says why.

use std::error::Error as _;
use std::time::{Duration as StdDuration, SystemTime};

use lanhmang_store::outbox::OutboxMail;
use lanhmang_store::{Store, StoreError};
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use time::Duration;

/// Why queued mail waits when no mail server is configured; shown to the office.
pub const NOT_CONFIGURED: &str = "chưa cấu hình máy chủ thư";

/// One delivery job claims no new mail after this long, so that it never holds a worker (or a
/// graceful shutdown) for long; what is left goes to the next job, queued at once.
const JOB_BUDGET: StdDuration = StdDuration::from_secs(60);

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP (a relay on the same machine or network); no credentials are sent over it.
    None,
    /// STARTTLS, required: the mail is not sent if the server does not offer it.
    StartTls,
    /// TLS from the first byte ("SMTPS", usually port 465).
    Tls,
}

impl SmtpSecurity {
    pub fn parse(raw: &str) -> Option<SmtpSecurity> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "none" => Some(SmtpSecurity::None),
            "starttls" => Some(SmtpSecurity::StartTls),
            "tls" => Some(SmtpSecurity::Tls),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::None => "none",
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::None => 25,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
        }
    }
}

/// The mail server and the delivery policy.
#[derive(Clone, PartialEq, Eq)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from_address: String,
    pub from_name: String,
    /// For each step of the SMTP conversation (connect, each command).
    pub timeout: StdDuration,
    /// Mails sent by one delivery job at most.
    pub batch_size: usize,
    /// Attempts before a mail that keeps failing transiently is given up.
    pub max_attempts: i64,
    /// The wait after the first failed attempt; it doubles with each further one…
    pub backoff_base: Duration,
    /// …up to this.
    pub backoff_max: Duration,
}

impl MailSettings {
    /// STARTTLS on port 587 with the default policy.
    pub fn new(host: impl Into<String>, from_address: impl Into<String>) -> MailSettings {
        MailSettings {
            host: host.into(),
            port: SmtpSecurity::StartTls.default_port(),
            security: SmtpSecurity::StartTls,
            username: None,
            password: None,
            from_address: from_address.into(),
            from_name: "Lành Mạng".into(),
            timeout: StdDuration::from_secs(30),
            batch_size: 50,
            max_attempts: 8,
            backoff_base: Duration::minutes(1),
            backoff_max: Duration::hours(6),
        }
    }

    /// The wait before the next attempt after `attempts` failed ones: base × 2^(attempts − 1),
    /// capped.
    pub fn retry_delay(&self, attempts: i64) -> Duration {
        let shift = u32::try_from(attempts.clamp(1, 40) - 1).unwrap_or(0);
        let factor = 1_i64.checked_shl(shift).unwrap_or(i64::MAX);
        let base = self.backoff_base.whole_seconds().max(1);
        Duration::seconds(base.saturating_mul(factor)).min(self.backoff_max)
    }

    /// The longest one attempt may take, everything included.
    pub fn send_deadline(&self) -> StdDuration {
        self.timeout.saturating_mul(4)
    }

    /// How long a claimed mail is held: longer than any attempt can last, so that no other
    /// worker sends it meanwhile.
    pub fn lease(&self) -> Duration {
        let deadline = Duration::try_from(self.send_deadline()).unwrap_or(Duration::hours(1));
        (deadline + Duration::minutes(1)).max(Duration::minutes(5))
    }
}

/// Shows everything but the password.
impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from_address", &self.from_address)
            .field("from_name", &self.from_name)
            .field("timeout", &self.timeout)
            .field("batch_size", &self.batch_size)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_max", &self.backoff_max)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("địa chỉ gửi thư không hợp lệ: {0}")]
    From(String),
    #[error("không chuẩn bị được TLS cho máy chủ thư {host}: {message}")]
    Tls { host: String, message: String },
    #[error("cấu hình thư không hợp lệ: {0}")]
    Settings(String),
}

/// How a failed attempt ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The server refused the mail for good (5xx), or the mail cannot be built.
    #[error("{0}")]
    Permanent(String),
    /// It may work later: a 4xx reply, no connection, a timeout, a TLS failure.
    #[error("{0}")]
    Transient(String),
}

/// Sends mail through one SMTP server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The right-hand side of our Message-IDs: the sender's domain.
    id_domain: String,
    settings: MailSettings,
}

impl Mailer {
    /// Checks the settings and prepares the transport; connects only when sending.
    pub fn new(settings: MailSettings) -> Result<Mailer, MailError> {
        if settings.host.trim().is_empty() {
            return Err(MailError::Settings("chưa có máy chủ thư (host)".into()));
        }
        if settings.batch_size == 0 || settings.max_attempts < 1 || settings.timeout.is_zero() {
            return Err(MailError::Settings(
                "batch_size, max_attempts và timeout phải lớn hơn 0".into(),
            ));
        }
        if settings.password.is_some() && settings.username.is_none() {
            return Err(MailError::Settings(
                "có mật khẩu nhưng thiếu tên đăng nhập (username)".into(),
            ));
        }
        if settings.security == SmtpSecurity::None && settings.username.is_some() {
            return Err(MailError::Settings(
                "không gửi mật khẩu qua kết nối không mã hóa: dùng security = starttls hoặc tls".into(),
            ));
        }
        let address: Address = settings
            .from_address
            .trim()
            .parse()
            .map_err(|e| MailError::From(format!("{}: {e}", settings.from_address)))?;
        let id_domain = address.domain().to_string();
        let name = settings.from_name.trim();
        let from = Mailbox::new((!name.is_empty()).then(|| name.to_string()), address);
        let host = settings.host.trim().to_string();
        let tls = || {
            // TlsParameters use the process's rustls provider (ring, installed at start) when
            // there is one, and ring otherwise: lettre is built with its `ring` feature only.
            TlsParameters::new(host.clone()).map_err(|e| MailError::Tls {
                host: host.clone(),
                message: e.to_string(),
            })
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(settings.port)
            .timeout(Some(settings.timeout))
            .tls(match settings.security {
                SmtpSecurity::None => Tls::None,
                SmtpSecurity::StartTls => Tls::Required(tls()?),
                SmtpSecurity::Tls => Tls::Wrapper(tls()?),
            });
        if let Some(user) = &settings.username {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                settings.password.clone().unwrap_or_default(),
            ));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            id_domain,
            settings,
        })
    }

    pub fn settings(&self) -> &MailSettings {
        &self.settings
    }

    /// The message for an outbox mail: UTF-8 plain text, the subject encoded for any reader, a
    /// Message-ID that stays the same across attempts (so a receiver can drop a duplicate, should
    /// an attempt whose reply was lost have got through), and the date of this attempt.
    pub fn message(&self, mail: &OutboxMail) -> Result<Message, SendError> {
        let to_address: Address = mail
            .to_address
            .parse()
            .map_err(|e| SendError::Permanent(format!("địa chỉ người nhận không hợp lệ: {e}")))?;
        let name = mail.to_name.trim();
        let to = Mailbox::new((!name.is_empty()).then(|| name.to_string()), to_address);
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!(
                "<outbox.{}.{}@{}>",
                mail.id,
                mail.created_at.unix_timestamp(),
                self.id_domain
            )))
            .date(SystemTime::now())
            .singlepart(SinglePart::plain(mail.body.clone()))
            .map_err(|e| SendError::Permanent(format!("không tạo được thư: {e}")))
    }

    /// One attempt at one mail.
    pub async fn send(&self, mail: &OutboxMail) -> Result<(), SendError> {
        let message = self.message(mail)?;
        match tokio::time::timeout(self.settings.send_deadline(), self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(self.classify(&e)),
            Err(_) => Err(SendError::Transient(format!(
                "máy chủ thư {}:{} không trả lời sau {} giây",
                self.settings.host,
                self.settings.port,
                self.settings.send_deadline().as_secs()
            ))),
        }
    }

    fn classify(&self, e: &lettre::transport::smtp::Error) -> SendError {
        // The server's own words, when it replied.
        let detail = e.source().map(|s| s.to_string()).unwrap_or_default();
        let server = format!("{}:{}", self.settings.host, self.settings.port);
        match e.status() {
            Some(code) if e.is_permanent() => SendError::Permanent(format!("máy chủ thư từ chối ({code}): {detail}")),
            Some(code) => SendError::Transient(format!("máy chủ thư tạm thời chưa nhận ({code}): {detail}")),
            None if e.is_timeout() => SendError::Transient(format!("hết thời gian chờ máy chủ thư {server}: {e}")),
            None if e.is_tls() => SendError::Transient(format!("lỗi TLS với máy chủ thư {server}: {e}")),
            None => SendError::Transient(format!("không gửi được qua máy chủ thư {server}: {e}")),
        }
    }
}

/// What one delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    /// Failed this time, to be tried again later.
    pub retrying: usize,
    /// Failed for good.
    pub failed: usize,
    /// No mail server is configured: nothing was attempted.
    pub not_configured: bool,
    /// The run stopped at its batch size or time budget: more mail may be due.
    pub more: bool,
}

impl DeliveryReport {
    pub fn summary(&self) -> String {
        if self.not_configured {
            format!("{NOT_CONFIGURED}: thư vẫn chờ trong hộp thư đi")
        } else {
            format!(
                "{} thư đã gửi, {} thư sẽ thử lại, {} thư không gửi được",
                self.sent, self.retrying, self.failed
            )
        }
    }
}

/// Sends up to one batch of due mail. Without `mailer`, queued mail is only marked as waiting
/// for a mail server; it is neither attempted nor failed.
pub async fn deliver_due(store: &Store, mailer: Option<&Mailer>) -> Result<DeliveryReport, StoreError> {
    let Some(mailer) = mailer else {
        let marked = store.note_queued_mail(NOT_CONFIGURED).await?;
        if marked > 0 {
            tracing::warn!(
                mails = marked,
                "mail is waiting: no mail server is configured ([mail] host)"
            );
        }
        return Ok(DeliveryReport {
            not_configured: true,
            ..Default::default()
        });
    };
    let settings = mailer.settings();
    let mut report = DeliveryReport {
        more: true,
        ..Default::default()
    };
    let started = std::time::Instant::now();
    for _ in 0..settings.batch_size {
        if started.elapsed() > JOB_BUDGET {
            break;
        }
        let Some(mail) = store.claim_mail(settings.lease()).await? else {
            report.more = false;
            break;
        };
        // Attempts that ended with the worker gone (killed mid-send) count too.
        if mail.attempts > settings.max_attempts {
            let error = format!("đã thử {} lần mà không gửi được", settings.max_attempts);
            store.mark_mail_failed(mail.id, &error, None).await?;
            tracing::warn!(mail = mail.id, attempts = mail.attempts, "mail given up");
            report.failed += 1;
            continue;
        }
        match mailer.send(&mail).await {
            Ok(()) => {
                store.mark_mail_sent(mail.id).await?;
                tracing::info!(mail = mail.id, attempt = mail.attempts, "mail sent");
                report.sent += 1;
            }
            Err(SendError::Permanent(error)) => {
                store.mark_mail_failed(mail.id, &error, None).await?;
                tracing::warn!(mail = mail.id, attempt = mail.attempts, %error, "mail refused for good");
                report.failed += 1;
            }
            Err(SendError::Transient(error)) if mail.attempts >= settings.max_attempts => {
                let error = format!("{error} (đã thử {} lần)", mail.attempts);
                store.mark_mail_failed(mail.id, &error, None).await?;
                tracing::warn!(mail = mail.id, attempt = mail.attempts, %error, "mail given up");
                report.failed += 1;
            }
            Err(SendError::Transient(error)) => {
                let delay = settings.retry_delay(mail.attempts);
                store
                    .mark_mail_failed(mail.id, &error, Some(lanhmang_store::now() + delay))
                    .await?;
                tracing::warn!(mail = mail.id, attempt = mail.attempts, retry_in_secs = delay.whole_seconds(), %error, "mail will be retried");
                report.retrying += 1;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use lanhmang_store::outbox::{MailStatus, NewMail};
    use lanhmang_store::test_support::{TestDb, both_backends};

    use super::*;

    fn outbox_mail() -> OutboxMail {
        OutboxMail {
            id: 7,
            to_address: "hieu.truong@thcs-a.edu.vn".into(),
            to_name: "Thầy Trần Văn Bình".into(),
            subject: "Nhắc nộp báo cáo: còn 3 ngày".into(),
            body: "Kính gửi thầy,\nHạn nộp là 01/06/2027.".into(),
            attempts: 1,
            created_at: time::macros::datetime!(2026-09-01 08:00 UTC),
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let s = MailSettings::new("smtp.example.vn", "lanhmang@pgd.example.vn");
        let minutes: Vec<i64> = (1..=10).map(|a| s.retry_delay(a).whole_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 64, 128, 256, 360]);
        assert_eq!(s.retry_delay(1000), Duration::hours(6));
        assert!(s.lease() >= Duration::minutes(5));
        assert!(s.lease() > Duration::try_from(s.send_deadline()).unwrap());
    }

    #[test]
    fn settings_are_checked_and_the_password_never_shown() {
        let mut s = MailSettings::new("smtp.example.vn", "lanhmang@pgd.example.vn");
        s.username = Some("lanhmang".into());
        s.password = Some("hunter22".into());
        assert!(!format!("{s:?}").contains("hunter22"));
        assert!(Mailer::new(s.clone()).is_ok(), "STARTTLS with rustls on ring");
        s.security = SmtpSecurity::Tls;
        assert!(Mailer::new(s.clone()).is_ok());
        s.security = SmtpSecurity::None;
        assert!(matches!(Mailer::new(s.clone()), Err(MailError::Settings(_))));
        let bad_from = MailSettings::new("smtp.example.vn", "không phải địa chỉ");
        assert!(matches!(Mailer::new(bad_from), Err(MailError::From(_))));
        assert_eq!(SmtpSecurity::parse(" STARTTLS "), Some(SmtpSecurity::StartTls));
        assert_eq!(SmtpSecurity::parse("ssl"), None);
    }

    #[test]
    fn messages_are_utf8_plain_text_with_a_stable_id() {
        let mailer = Mailer::new(MailSettings::new("smtp.example.vn", "lanhmang@pgd.example.vn")).unwrap();
        let raw = String::from_utf8(mailer.message(&outbox_mail()).unwrap().formatted()).unwrap();
        let headers = raw.split("\r\n\r\n").next().unwrap();
        assert!(
            headers.contains("Message-ID: <outbox.7.1788249600@pgd.example.vn>"),
            "{raw}"
        );
        assert!(headers.contains("Date: "), "{raw}");
        assert!(headers.contains("MIME-Version: 1.0"), "{raw}");
        assert!(headers.contains("Content-Type: text/plain; charset=utf-8"), "{raw}");
        assert!(headers.contains("Subject: =?utf-8?"), "the subject is encoded: {raw}");
        assert!(raw.is_ascii(), "every byte on the wire is 7-bit: {raw}");
        let mut bad = outbox_mail();
        bad.to_address = "a@".into();
        assert!(matches!(mailer.message(&bad), Err(SendError::Permanent(_))));
    }

    both_backends!(without_a_mail_server_mail_waits_on_every_backend);
    async fn without_a_mail_server_mail_waits_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            store
                .queue_mail(&NewMail {
                    to_address: "a@truong.edu.vn".into(),
                    to_name: String::new(),
                    subject: "Thử".into(),
                    body: "Nội dung".into(),
                    reason: "manual_reminder",
                    plan_id: None,
                    unit_id: None,
                    dedup_key: None,
                })
                .await
                .unwrap();
            let report = deliver_due(&store, None).await.unwrap();
            assert!(report.not_configured && report.summary().contains(NOT_CONFIGURED));
            let claimed = store.claim_mail(Duration::minutes(5)).await.unwrap().unwrap();
            assert_eq!(claimed.attempts, 1, "{backend}: never attempted while unconfigured");
            let entry = store.outbox_entry(claimed.id).await.unwrap().unwrap();
            assert_eq!(
                (entry.status, entry.last_error.as_str()),
                (MailStatus::Queued, NOT_CONFIGURED)
            );
            store.close().await;
            db.cleanup().await;
        }
    }
}
