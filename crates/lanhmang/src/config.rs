//! Configuration: defaults, then `lanhmang.toml`, then `LANHMANG_*` environment variables,
//! then command-line flags. Secrets never appear in what is printed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use lanhmang_jobs::{MailSettings, SmtpSecurity};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Everything that can be set, each optional so that layers can be merged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    /// The file holding the key that signs the audit log's head (default `<data_dir>/audit.key`,
    /// created on first start). Every server and worker sharing one database uses the same file.
    pub audit_key_file: Option<PathBuf>,
    /// The address people use, such as `https://lanhmang.sgd.example.vn`; `https://` turns on
    /// Secure cookies and HSTS.
    pub public_url: Option<String>,
    pub session_idle_minutes: Option<i64>,
    pub session_lifetime_hours: Option<i64>,
    /// Old form of `trusted_proxies`: `true` means one proxy.
    pub trust_proxy: Option<bool>,
    /// Reverse proxies in front of the server that append to `X-Forwarded-For` (0: none; the
    /// client address is then the connection's).
    pub trusted_proxies: Option<usize>,
    pub body_limit_bytes: Option<usize>,
    /// Seconds a client has to send a request's headers, and the longest a body may stall.
    pub request_timeout_secs: Option<u64>,
    /// Requests served at once; more are answered 503 at once.
    pub max_concurrent_requests: Option<usize>,
    /// The bearer token `/metrics` asks for (unset: `/metrics` answers 404).
    pub metrics_token: Option<Secret>,
    /// `text` (default) or `json`.
    pub log_format: Option<String>,
    /// Workers started inside `serve` (0: run `lanhmang worker` separately).
    pub workers: Option<usize>,
    /// Jobs one worker runs at once (inspections mostly wait on the network).
    pub worker_concurrency: Option<usize>,
    /// Seconds a worker holds a job without renewing it; another worker takes the job of a
    /// worker that died once this runs out.
    pub worker_lease_secs: Option<u64>,
    /// Days before a report deadline when principals who have not sent it are reminded.
    pub reminder_days: Option<Vec<u32>>,
    /// The `[inspect]` table: limits of the website inspector (file only).
    pub inspect: Option<InspectSettings>,
    /// The `[mail]` table (and `LANHMANG_MAIL_*`): the SMTP server that sends the outbox.
    pub mail: Option<MailLayer>,
    /// The `[incidents]` table: how long closed cases keep their details (file only).
    pub incidents: Option<IncidentsLayer>,
    /// "21:00-06:30" (the default) or "off": the night hours when notices' mails wait.
    pub quiet_hours: Option<String>,
}

/// `[incidents]`: the retention periods, in days (defaults 365, 180 and 30).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentsLayer {
    pub retention_days: Option<i64>,
    pub feedback_retention_days: Option<i64>,
    pub spam_retention_days: Option<i64>,
}

/// A secret setting: shown as `***` by `Debug`, so that logging a configuration never leaks it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The mail server, from `[mail]` in `lanhmang.toml` and `LANHMANG_MAIL_*` variables (which
/// override the file key by key). Without `host`, mail stays queued in the outbox.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailLayer {
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `none`, `starttls` (default) or `tls`.
    pub security: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub timeout_secs: Option<u64>,
    pub batch_size: Option<usize>,
    pub max_attempts: Option<i64>,
    pub backoff_base_secs: Option<u64>,
    pub backoff_max_secs: Option<u64>,
}

/// Everything but the password.
impl std::fmt::Debug for MailLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailLayer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from_address", &self.from_address)
            .field("from_name", &self.from_name)
            .field("timeout_secs", &self.timeout_secs)
            .field("batch_size", &self.batch_size)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_base_secs", &self.backoff_base_secs)
            .field("backoff_max_secs", &self.backoff_max_secs)
            .finish()
    }
}

impl MailLayer {
    fn over(self, base: MailLayer) -> MailLayer {
        MailLayer {
            host: self.host.or(base.host),
            port: self.port.or(base.port),
            security: self.security.or(base.security),
            username: self.username.or(base.username),
            password: self.password.or(base.password),
            from_address: self.from_address.or(base.from_address),
            from_name: self.from_name.or(base.from_name),
            timeout_secs: self.timeout_secs.or(base.timeout_secs),
            batch_size: self.batch_size.or(base.batch_size),
            max_attempts: self.max_attempts.or(base.max_attempts),
            backoff_base_secs: self.backoff_base_secs.or(base.backoff_base_secs),
            backoff_max_secs: self.backoff_max_secs.or(base.backoff_max_secs),
        }
    }

    /// The settings, checked; `None` when no host is set (an empty host turns a file's server
    /// off from the environment).
    pub fn resolve(self) -> anyhow::Result<Option<MailSettings>> {
        let non_empty = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let Some(host) = non_empty(self.host) else {
            return Ok(None);
        };
        let security = match self.security.as_deref() {
            None => SmtpSecurity::StartTls,
            Some(raw) => SmtpSecurity::parse(raw)
                .with_context(|| format!("[mail] security phải là none, starttls hoặc tls, không phải {raw}"))?,
        };
        let Some(from_address) = non_empty(self.from_address) else {
            bail!("[mail] from_address (địa chỉ gửi thư) chưa được đặt");
        };
        if !lanhmang_store::outbox::valid_address(&from_address) {
            bail!("[mail] from_address không phải địa chỉ e-mail hợp lệ: {from_address}");
        }
        let mut m = MailSettings::new(host, from_address);
        m.security = security;
        m.port = match self.port {
            Some(0) => bail!("[mail] port phải từ 1 đến 65535"),
            Some(p) => p,
            None => security.default_port(),
        };
        m.username = non_empty(self.username);
        m.password = self.password.filter(|p| !p.is_empty());
        if m.password.is_some() && m.username.is_none() {
            bail!("[mail] có password nhưng thiếu username");
        }
        if m.username.is_some() && security == SmtpSecurity::None {
            bail!("[mail] không gửi mật khẩu qua kết nối không mã hóa: dùng security = starttls hoặc tls");
        }
        if let Some(name) = self.from_name {
            if name.chars().any(char::is_control) {
                bail!("[mail] from_name không được xuống dòng");
            }
            m.from_name = name.trim().to_string();
        }
        let positive = |v: u64, key: &str| -> anyhow::Result<u64> {
            if v == 0 {
                bail!("[mail] {key} phải lớn hơn 0")
            } else {
                Ok(v)
            }
        };
        if let Some(v) = self.timeout_secs {
            m.timeout = std::time::Duration::from_secs(positive(v, "timeout_secs")?.min(600));
        }
        if let Some(v) = self.batch_size {
            m.batch_size = positive(v as u64, "batch_size")? as usize;
        }
        if let Some(v) = self.max_attempts {
            if !(1..=100).contains(&v) {
                bail!("[mail] max_attempts phải từ 1 đến 100");
            }
            m.max_attempts = v;
        }
        let seconds = |v: u64| time::Duration::seconds(i64::try_from(v).unwrap_or(i64::MAX).min(30 * 24 * 3600));
        if let Some(v) = self.backoff_base_secs {
            m.backoff_base = seconds(positive(v, "backoff_base_secs")?);
        }
        if let Some(v) = self.backoff_max_secs {
            m.backoff_max = seconds(positive(v, "backoff_max_secs")?);
        }
        if m.backoff_max < m.backoff_base {
            bail!("[mail] backoff_max_secs không được nhỏ hơn backoff_base_secs");
        }
        Ok(Some(m))
    }
}

/// Inspector limits from `lanhmang.toml`; unset keys keep the inspector's defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectSettings {
    pub user_agent: Option<String>,
    pub allow_private_targets: Option<bool>,
    pub connect_timeout_secs: Option<u64>,
    pub request_timeout_secs: Option<u64>,
    pub max_body_bytes: Option<usize>,
    pub max_redirects: Option<usize>,
    pub max_header_bytes: Option<usize>,
    pub per_host_concurrency: Option<usize>,
    pub per_host_interval_ms: Option<u64>,
    pub global_concurrency: Option<usize>,
    pub retries: Option<u32>,
    pub retry_base_ms: Option<u64>,
    pub max_retry_after_secs: Option<u64>,
    pub site_timeout_secs: Option<u64>,
    pub max_pages: Option<usize>,
    pub max_depth: Option<usize>,
    pub max_external_links: Option<usize>,
    pub slow_threshold_ms: Option<u64>,
    pub stale_after_days: Option<i64>,
    pub expiring_within_days: Option<i64>,
    /// Oldest acceptable WordPress, as "6.0".
    pub wordpress_floor: Option<String>,
    pub joomla_floor: Option<String>,
    /// The RDAP service asked for domain registration dates, such as
    /// `https://rdap.example.vn/` (unset: registrations are not looked up).
    pub rdap_url: Option<String>,
}

impl InspectSettings {
    /// The RDAP base URL, checked.
    pub fn rdap(&self) -> anyhow::Result<Option<url::Url>> {
        let Some(raw) = self.rdap_url.as_deref().map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        let with_slash = if raw.ends_with('/') {
            raw.to_string()
        } else {
            format!("{raw}/")
        };
        let url = url::Url::parse(&with_slash).with_context(|| format!("rdap_url không hợp lệ: {raw}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            bail!("rdap_url phải bắt đầu bằng http:// hoặc https://");
        }
        Ok(Some(url))
    }
}

impl InspectSettings {
    /// Applies the settings over `base`, checking each value.
    pub fn apply(&self, mut c: lanhmang_inspect::InspectConfig) -> anyhow::Result<lanhmang_inspect::InspectConfig> {
        use std::time::Duration;
        let floor = |v: &str, key: &str| -> anyhow::Result<(u32, u32)> {
            let (a, b) = v.split_once('.').unwrap_or((v, "0"));
            Ok((
                a.trim()
                    .parse()
                    .with_context(|| format!("[inspect] {key} phải có dạng 6.0"))?,
                b.trim()
                    .parse()
                    .with_context(|| format!("[inspect] {key} phải có dạng 6.0"))?,
            ))
        };
        if let Some(v) = &self.user_agent {
            if v.trim().is_empty() {
                bail!("[inspect] user_agent không được để trống");
            }
            c.user_agent = v.clone();
        }
        if let Some(v) = self.allow_private_targets {
            c.allow_private_targets = v;
        }
        let positive = |v: u64, key: &str| -> anyhow::Result<u64> {
            if v == 0 {
                bail!("[inspect] {key} phải lớn hơn 0")
            } else {
                Ok(v)
            }
        };
        if let Some(v) = self.connect_timeout_secs {
            c.connect_timeout = Duration::from_secs(positive(v, "connect_timeout_secs")?);
        }
        if let Some(v) = self.request_timeout_secs {
            c.request_timeout = Duration::from_secs(positive(v, "request_timeout_secs")?);
        }
        if let Some(v) = self.max_body_bytes {
            c.max_body_bytes = positive(v as u64, "max_body_bytes")? as usize;
        }
        if let Some(v) = self.max_redirects {
            c.max_redirects = v;
        }
        if let Some(v) = self.max_header_bytes {
            c.max_header_bytes = v;
        }
        if let Some(v) = self.per_host_concurrency {
            c.per_host_concurrency = positive(v as u64, "per_host_concurrency")? as usize;
        }
        if let Some(v) = self.per_host_interval_ms {
            c.per_host_interval = Duration::from_millis(v);
        }
        if let Some(v) = self.global_concurrency {
            c.global_concurrency = positive(v as u64, "global_concurrency")? as usize;
        }
        if let Some(v) = self.retries {
            c.retries = v;
        }
        if let Some(v) = self.retry_base_ms {
            c.retry_base = Duration::from_millis(v);
        }
        if let Some(v) = self.max_retry_after_secs {
            c.max_retry_after = Duration::from_secs(v);
        }
        if let Some(v) = self.site_timeout_secs {
            c.site_timeout = Duration::from_secs(positive(v, "site_timeout_secs")?);
        }
        if let Some(v) = self.max_pages {
            c.max_pages = positive(v as u64, "max_pages")? as usize;
        }
        if let Some(v) = self.max_depth {
            c.max_depth = v;
        }
        if let Some(v) = self.max_external_links {
            c.max_external_links = v;
        }
        if let Some(v) = self.slow_threshold_ms {
            c.slow_threshold = Duration::from_millis(positive(v, "slow_threshold_ms")?);
        }
        if let Some(v) = self.stale_after_days {
            c.stale_after_days = v;
        }
        if let Some(v) = self.expiring_within_days {
            c.expiring_within_days = v;
        }
        if let Some(v) = &self.wordpress_floor {
            c.wordpress_floor = floor(v, "wordpress_floor")?;
        }
        if let Some(v) = &self.joomla_floor {
            c.joomla_floor = floor(v, "joomla_floor")?;
        }
        Ok(c)
    }
}

impl Layer {
    fn over(self, base: Layer) -> Layer {
        Layer {
            bind: self.bind.or(base.bind),
            data_dir: self.data_dir.or(base.data_dir),
            database_url: self.database_url.or(base.database_url),
            audit_key_file: self.audit_key_file.or(base.audit_key_file),
            public_url: self.public_url.or(base.public_url),
            session_idle_minutes: self.session_idle_minutes.or(base.session_idle_minutes),
            session_lifetime_hours: self.session_lifetime_hours.or(base.session_lifetime_hours),
            trust_proxy: self.trust_proxy.or(base.trust_proxy),
            trusted_proxies: self.trusted_proxies.or(base.trusted_proxies),
            body_limit_bytes: self.body_limit_bytes.or(base.body_limit_bytes),
            request_timeout_secs: self.request_timeout_secs.or(base.request_timeout_secs),
            max_concurrent_requests: self.max_concurrent_requests.or(base.max_concurrent_requests),
            metrics_token: self.metrics_token.or(base.metrics_token),
            log_format: self.log_format.or(base.log_format),
            workers: self.workers.or(base.workers),
            worker_concurrency: self.worker_concurrency.or(base.worker_concurrency),
            worker_lease_secs: self.worker_lease_secs.or(base.worker_lease_secs),
            reminder_days: self.reminder_days.or(base.reminder_days),
            inspect: self.inspect.or(base.inspect),
            incidents: self.incidents.or(base.incidents),
            quiet_hours: self.quiet_hours.or(base.quiet_hours),
            mail: match (self.mail, base.mail) {
                (Some(top), Some(below)) => Some(top.over(below)),
                (top, below) => top.or(below),
            },
        }
    }

    /// The `LANHMANG_*` variables from `vars`.
    pub fn from_env(vars: impl Iterator<Item = (String, String)>) -> anyhow::Result<Layer> {
        let mut layer = Layer::default();
        for (key, value) in vars {
            let Some(name) = key.strip_prefix("LANHMANG_") else {
                continue;
            };
            let parse_int = |v: &str| {
                v.trim()
                    .parse::<i64>()
                    .with_context(|| format!("{key} phải là số nguyên"))
            };
            match name {
                "BIND" => layer.bind = Some(value),
                "DATA_DIR" => layer.data_dir = Some(value.into()),
                "DATABASE_URL" => layer.database_url = Some(value),
                "AUDIT_KEY_FILE" => layer.audit_key_file = Some(value.into()),
                "PUBLIC_URL" => layer.public_url = Some(value),
                "SESSION_IDLE_MINUTES" => layer.session_idle_minutes = Some(parse_int(&value)?),
                "SESSION_LIFETIME_HOURS" => layer.session_lifetime_hours = Some(parse_int(&value)?),
                "TRUST_PROXY" => layer.trust_proxy = Some(matches!(value.trim(), "1" | "true" | "yes")),
                "TRUSTED_PROXIES" => layer.trusted_proxies = Some(parse_int(&value)?.max(0) as usize),
                "BODY_LIMIT_BYTES" => layer.body_limit_bytes = Some(parse_int(&value)?.max(0) as usize),
                "REQUEST_TIMEOUT_SECS" => layer.request_timeout_secs = Some(parse_int(&value)?.max(0) as u64),
                "MAX_CONCURRENT_REQUESTS" => layer.max_concurrent_requests = Some(parse_int(&value)?.max(0) as usize),
                "METRICS_TOKEN" => layer.metrics_token = Some(Secret(value)),
                "LOG_FORMAT" => layer.log_format = Some(value),
                "QUIET_HOURS" => layer.quiet_hours = Some(value),
                "WORKERS" => layer.workers = Some(parse_int(&value)?.max(0) as usize),
                "WORKER_CONCURRENCY" => layer.worker_concurrency = Some(parse_int(&value)?.max(1) as usize),
                "WORKER_LEASE_SECS" => layer.worker_lease_secs = Some(parse_int(&value)?.max(0) as u64),
                "RDAP_URL" => {
                    layer.inspect.get_or_insert_with(InspectSettings::default).rdap_url = Some(value);
                }
                "REMINDER_DAYS" => {
                    layer.reminder_days = Some(
                        value
                            .split(',')
                            .filter(|d| !d.trim().is_empty())
                            .map(|d| d.trim().parse::<u32>())
                            .collect::<Result<_, _>>()
                            .with_context(|| {
                                format!("{key} phải là các số ngày, cách nhau bởi dấu phẩy (ví dụ 30,14,7,1)")
                            })?,
                    )
                }
                mail if mail.starts_with("MAIL_") => {
                    let m = layer.mail.get_or_insert_with(MailLayer::default);
                    let number = |v: &str| {
                        v.trim()
                            .parse::<u64>()
                            .with_context(|| format!("{key} phải là số nguyên không âm"))
                    };
                    match &mail["MAIL_".len()..] {
                        "HOST" => m.host = Some(value),
                        "PORT" => {
                            m.port = Some(
                                value
                                    .trim()
                                    .parse()
                                    .with_context(|| format!("{key} phải là số cổng (1–65535)"))?,
                            )
                        }
                        "SECURITY" => m.security = Some(value),
                        "USERNAME" => m.username = Some(value),
                        "PASSWORD" => m.password = Some(value),
                        "FROM_ADDRESS" => m.from_address = Some(value),
                        "FROM_NAME" => m.from_name = Some(value),
                        "TIMEOUT_SECS" => m.timeout_secs = Some(number(&value)?),
                        "BATCH_SIZE" => m.batch_size = Some(number(&value)? as usize),
                        "MAX_ATTEMPTS" => m.max_attempts = Some(parse_int(&value)?),
                        "BACKOFF_BASE_SECS" => m.backoff_base_secs = Some(number(&value)?),
                        "BACKOFF_MAX_SECS" => m.backoff_max_secs = Some(number(&value)?),
                        _ => bail!("biến môi trường không được hỗ trợ: {key}"),
                    }
                }
                // Variables for tests and tools, not settings.
                "TEST_POSTGRES_URL" | "LOG" | "CONFIG" => {}
                other => bail!("biến môi trường không được hỗ trợ: LANHMANG_{other}"),
            }
        }
        Ok(layer)
    }
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Where the audit key is read from (or created); the key itself is never held here.
    pub audit_key_file: PathBuf,
    pub public_url: Option<String>,
    pub session_idle_minutes: i64,
    pub session_lifetime_hours: i64,
    /// Reverse proxies trusted to append the client's address to `X-Forwarded-For`.
    pub trusted_proxies: usize,
    pub body_limit_bytes: usize,
    pub request_timeout_secs: u64,
    pub max_concurrent_requests: usize,
    pub metrics_token: Option<Secret>,
    pub log_json: bool,
    pub workers: usize,
    pub worker_concurrency: usize,
    pub worker_lease_secs: u64,
    /// Days before a report deadline when reminders go out (default 30, 14, 7, 1).
    pub reminder_days: Vec<u32>,
    pub inspect: InspectSettings,
    /// The SMTP server; `None`: mail waits in the outbox.
    pub mail: Option<MailSettings>,
    /// How long closed cases keep their details.
    pub incident_retention: lanhmang_domain::incident::Retention,
    /// The night hours when notices' mails wait for the morning.
    pub quiet_hours: lanhmang_domain::parents::QuietHours,
}

impl Config {
    /// Merges the layers, flags first: flags over environment over file over defaults.
    pub fn resolve(flags: Layer, env: Layer, file: Layer) -> anyhow::Result<Config> {
        let l = flags.over(env.over(file));
        let data_dir = l.data_dir.unwrap_or_else(|| PathBuf::from("data"));
        let bind_text = l.bind.unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind: SocketAddr = bind_text
            .parse()
            .with_context(|| format!("địa chỉ lắng nghe không hợp lệ: {bind_text} (ví dụ đúng: 127.0.0.1:8080)"))?;
        let database_url = l
            .database_url
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("lanhmang.db").display()));
        let audit_key_file = l
            .audit_key_file
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| data_dir.join("audit.key"));
        let log_json = match l.log_format.as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => bail!("log_format phải là text hoặc json, không phải {other}"),
        };
        let idle = l.session_idle_minutes.unwrap_or(60);
        let lifetime = l.session_lifetime_hours.unwrap_or(12);
        if !(5..=24 * 60).contains(&idle) {
            bail!("session_idle_minutes phải từ 5 đến 1440");
        }
        if !(1..=24 * 30).contains(&lifetime) {
            bail!("session_lifetime_hours phải từ 1 đến 720");
        }
        Ok(Config {
            bind,
            data_dir,
            database_url,
            audit_key_file,
            public_url: l.public_url,
            session_idle_minutes: idle,
            session_lifetime_hours: lifetime,
            trusted_proxies: match l.trusted_proxies.or(l.trust_proxy.map(usize::from)).unwrap_or(0) {
                n @ 0..=10 => n,
                _ => bail!("trusted_proxies phải từ 0 đến 10"),
            },
            body_limit_bytes: l.body_limit_bytes.unwrap_or(2 * 1024 * 1024),
            request_timeout_secs: match l.request_timeout_secs.unwrap_or(30) {
                n @ 1..=600 => n,
                _ => bail!("request_timeout_secs phải từ 1 đến 600 giây"),
            },
            max_concurrent_requests: match l.max_concurrent_requests.unwrap_or(256) {
                n @ 1..=100_000 => n,
                _ => bail!("max_concurrent_requests phải từ 1 đến 100000"),
            },
            metrics_token: match l.metrics_token {
                Some(Secret(t)) if t.trim().is_empty() => None,
                Some(Secret(t)) if t.trim().len() < 16 || t.trim().chars().any(|c| c.is_whitespace()) => {
                    bail!("metrics_token phải dài ít nhất 16 ký tự và không có khoảng trắng")
                }
                Some(Secret(t)) => Some(Secret(t.trim().to_string())),
                None => None,
            },
            log_json,
            workers: l.workers.unwrap_or(1),
            worker_concurrency: match l.worker_concurrency.unwrap_or(4) {
                n @ 1..=256 => n,
                _ => bail!("worker_concurrency phải từ 1 đến 256"),
            },
            worker_lease_secs: match l.worker_lease_secs.unwrap_or(60) {
                n @ 3..=3600 => n,
                _ => bail!("worker_lease_secs phải từ 3 đến 3600 giây"),
            },
            reminder_days: match l.reminder_days {
                Some(days) if days.iter().any(|d| *d > 366) => {
                    bail!("reminder_days: mỗi mốc nhắc phải từ 0 đến 366 ngày")
                }
                Some(days) => days,
                None => vec![30, 14, 7, 1],
            },
            inspect: l.inspect.unwrap_or_default(),
            mail: l.mail.unwrap_or_default().resolve()?,
            incident_retention: {
                let i = l.incidents.unwrap_or_default();
                let cases = i.retention_days.unwrap_or(365);
                lanhmang_domain::incident::Retention::from_days(
                    cases,
                    i.feedback_retention_days.unwrap_or(180.min(cases)),
                    i.spam_retention_days.unwrap_or(30.min(cases)),
                )
                .map_err(|e| anyhow::anyhow!(e))?
            },
            quiet_hours: match l.quiet_hours.as_deref() {
                None => Default::default(),
                Some(raw) => lanhmang_domain::parents::QuietHours::parse(raw)
                    .with_context(|| format!("quiet_hours phải có dạng 21:00-06:30 hoặc off, không phải «{raw}»"))?,
            },
        })
    }

    /// Reads `path` if given (it must exist), else `./lanhmang.toml` if present.
    pub fn read_file(path: Option<&Path>) -> anyhow::Result<Layer> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("lanhmang.toml"), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).with_context(|| format!("tệp cấu hình {} không hợp lệ", path.display())),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(Layer::default()),
            Err(e) => Err(e).with_context(|| format!("không đọc được tệp cấu hình {}", path.display())),
        }
    }

    pub fn https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    /// A warning for whoever starts `serve` when sign-ins would cross the network in clear:
    /// the server listens beyond this machine and `public_url` is not `https://`.
    pub fn exposure_warning(&self) -> Option<String> {
        if self.https() || self.bind.ip().is_loopback() {
            return None;
        }
        Some(format!(
            "Cảnh báo: máy chủ nhận kết nối từ mạng ({}) nhưng public_url không phải địa chỉ https://, nên mật khẩu và phiên đăng nhập đi qua mạng không được mã hóa. Hãy đặt máy chủ sau một proxy HTTPS và đặt public_url = \"https://…\".",
            self.bind
        ))
    }

    /// What the use cases need, for the workers (the web builds the same from [`Config::web`]).
    pub fn app_settings(&self) -> lanhmang_app::Settings {
        lanhmang_app::Settings {
            links: lanhmang_app::Links::new(self.public_url.as_deref()),
            allow_private_sites: self.inspect.allow_private_targets.unwrap_or(false),
            incident_retention: self.incident_retention,
            quiet_hours: self.quiet_hours,
            ..Default::default()
        }
    }

    pub fn web(&self) -> lanhmang_web::WebConfig {
        lanhmang_web::WebConfig {
            https: self.https(),
            session_idle: time::Duration::minutes(self.session_idle_minutes),
            session_lifetime: time::Duration::hours(self.session_lifetime_hours),
            trusted_proxies: self.trusted_proxies,
            body_limit: self.body_limit_bytes,
            request_timeout: std::time::Duration::from_secs(self.request_timeout_secs),
            max_concurrent_requests: self.max_concurrent_requests,
            metrics_token_sha256: self
                .metrics_token
                .as_ref()
                .map(|Secret(t)| Sha256::digest(t.as_bytes()).into()),
            allow_private_sites: self.inspect.allow_private_targets.unwrap_or(false),
            public_url: self.public_url.clone(),
            app: self.app_settings(),
            ..Default::default()
        }
    }

    /// The configuration as text, with the database and mail passwords hidden.
    pub fn describe(&self) -> String {
        let mut text = self.describe_main();
        text.push_str("\n[mail]\n");
        match &self.mail {
            None => text.push_str("host = (chưa đặt: chưa cấu hình máy chủ thư, thư chờ trong hộp thư đi)\n"),
            Some(m) => text.push_str(&format!(
                "host = {}\nport = {}\nsecurity = {}\nusername = {}\npassword = {}\nfrom_address = {}\nfrom_name = {}\ntimeout_secs = {}\nbatch_size = {}\nmax_attempts = {}\nbackoff_base_secs = {}\nbackoff_max_secs = {}\n",
                m.host,
                m.port,
                m.security.as_str(),
                m.username.as_deref().unwrap_or("(chưa đặt)"),
                if m.password.is_some() { "***" } else { "(chưa đặt)" },
                m.from_address,
                m.from_name,
                m.timeout.as_secs(),
                m.batch_size,
                m.max_attempts,
                m.backoff_base.whole_seconds(),
                m.backoff_max.whole_seconds(),
            )),
        }
        text
    }

    fn describe_main(&self) -> String {
        format!(
            "bind = {}
data_dir = {}
database_url = {}
audit_key_file = {}
public_url = {}
session_idle_minutes = {}
session_lifetime_hours = {}
trusted_proxies = {}
body_limit_bytes = {}
request_timeout_secs = {}
max_concurrent_requests = {}
metrics_token = {}
log_format = {}
workers = {}
reminder_days = {:?}
quiet_hours = {:?}

[incidents]
retention_days = {}
feedback_retention_days = {}
spam_retention_days = {}
",
            self.bind,
            self.data_dir.display(),
            lanhmang_store::redact_url(&self.database_url),
            self.audit_key_file.display(),
            self.public_url.as_deref().unwrap_or("(chưa đặt)"),
            self.session_idle_minutes,
            self.session_lifetime_hours,
            self.trusted_proxies,
            self.body_limit_bytes,
            self.request_timeout_secs,
            self.max_concurrent_requests,
            if self.metrics_token.is_some() {
                "***"
            } else {
                "(chưa đặt: /metrics không mở)"
            },
            if self.log_json { "json" } else { "text" },
            self.workers,
            self.reminder_days,
            if self.quiet_hours == lanhmang_domain::parents::QuietHours::NONE {
                "off".to_string()
            } else {
                self.quiet_hours.describe().replace('–', "-")
            },
            self.incident_retention.cases.whole_days(),
            self.incident_retention.public_feedback.whole_days(),
            self.incident_retention.spam.whole_days(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Layer {
        Layer::from_env(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
    }

    #[test]
    fn defaults() {
        let c = Config::resolve(Layer::default(), Layer::default(), Layer::default()).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://data/lanhmang.db");
        assert_eq!(c.audit_key_file, PathBuf::from("data/audit.key"));
        assert!(!c.https());
    }

    #[test]
    fn flags_over_env_over_file() {
        let file: Layer = toml::from_str("bind = \"0.0.0.0:9000\"\ndata_dir = \"/srv/lm\"\nworkers = 3").unwrap();
        let env = env(&[("LANHMANG_BIND", "127.0.0.1:7000"), ("PATH", "/bin")]);
        let flags = Layer {
            data_dir: Some("/tmp/x".into()),
            ..Default::default()
        };
        let c = Config::resolve(flags, env, file).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:7000");
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(c.database_url, "sqlite:///tmp/x/lanhmang.db");
        assert_eq!(c.audit_key_file, PathBuf::from("/tmp/x/audit.key"), "beside the data");
        assert_eq!(c.workers, 3);
        let file: Layer = toml::from_str("audit_key_file = \"/etc/lanhmang/audit.key\"").unwrap();
        let c = Config::resolve(Layer::default(), Layer::default(), file.clone()).unwrap();
        assert_eq!(c.audit_key_file, PathBuf::from("/etc/lanhmang/audit.key"));
        assert!(c.describe().contains("audit_key_file = /etc/lanhmang/audit.key"));
        let vars = Layer::from_env(
            [(
                "LANHMANG_AUDIT_KEY_FILE".to_string(),
                "/run/secrets/audit.key".to_string(),
            )]
            .into_iter(),
        )
        .unwrap();
        let c = Config::resolve(Layer::default(), vars, file).unwrap();
        assert_eq!(c.audit_key_file, PathBuf::from("/run/secrets/audit.key"));
    }

    #[test]
    fn incident_retention_from_the_file() {
        let c = Config::resolve(Layer::default(), Layer::default(), Layer::default()).unwrap();
        assert_eq!(
            c.app_settings().incident_retention,
            lanhmang_domain::incident::Retention::default()
        );
        let file: Layer = toml::from_str("[incidents]\nretention_days = 730\nfeedback_retention_days = 90").unwrap();
        let c = Config::resolve(Layer::default(), Layer::default(), file).unwrap();
        let r = c.app_settings().incident_retention;
        assert_eq!(
            (
                r.cases.whole_days(),
                r.public_feedback.whole_days(),
                r.spam.whole_days()
            ),
            (730, 90, 30)
        );
        assert!(c.describe().contains("retention_days = 730"));
        // A short period keeps feedback and spam no longer than a case.
        let file: Layer = toml::from_str("[incidents]\nretention_days = 60").unwrap();
        let r = Config::resolve(Layer::default(), Layer::default(), file)
            .unwrap()
            .incident_retention;
        assert_eq!((r.public_feedback.whole_days(), r.spam.whole_days()), (60, 30));
        let bad: Layer = toml::from_str("[incidents]\nretention_days = 7").unwrap();
        let e = Config::resolve(Layer::default(), Layer::default(), bad).unwrap_err();
        assert!(e.to_string().contains("retention_days"), "{e}");
        assert!(toml::from_str::<Layer>("[incidents]\nkeep = 1").is_err());
    }

    #[test]
    fn inspect_settings_from_the_file() {
        let file: Layer = toml::from_str(
            "[inspect]\nallow_private_targets = true\nmax_pages = 5\nper_host_interval_ms = 250\nwordpress_floor = \"6.4\"",
        )
        .unwrap();
        let c = Config::resolve(Layer::default(), Layer::default(), file).unwrap();
        let i = c.inspect.apply(lanhmang_inspect::InspectConfig::default()).unwrap();
        assert!(i.allow_private_targets);
        assert_eq!((i.max_pages, i.wordpress_floor), (5, (6, 4)));
        assert_eq!(i.per_host_interval, std::time::Duration::from_millis(250));
        let bad: Layer = toml::from_str("[inspect]\nmax_pages = 0").unwrap();
        let c = Config::resolve(Layer::default(), Layer::default(), bad).unwrap();
        assert!(c.inspect.apply(lanhmang_inspect::InspectConfig::default()).is_err());
        assert!(toml::from_str::<Layer>("[inspect]\nnope = 1").is_err());
    }

    #[test]
    fn mail_from_the_file_and_the_environment() {
        let none = Config::resolve(Layer::default(), Layer::default(), Layer::default()).unwrap();
        assert!(none.mail.is_none());
        assert!(none.describe().contains("chưa cấu hình máy chủ thư"));

        let file: Layer = toml::from_str(
            "[mail]\nhost = \"smtp.pgd.example.vn\"\nsecurity = \"tls\"\nusername = \"lanhmang\"\npassword = \"file-secret\"\n\
             from_address = \"lanhmang@pgd.example.vn\"\nfrom_name = \"Phòng GD&ĐT\"\nmax_attempts = 3",
        )
        .unwrap();
        let vars = env(&[
            ("LANHMANG_MAIL_PASSWORD", "env-secret"),
            ("LANHMANG_MAIL_BATCH_SIZE", "10"),
            ("LANHMANG_MAIL_BACKOFF_BASE_SECS", "30"),
        ]);
        let c = Config::resolve(Layer::default(), vars, file.clone()).unwrap();
        let m = c.mail.clone().unwrap();
        assert_eq!(
            (m.host.as_str(), m.port, m.security),
            ("smtp.pgd.example.vn", 465, SmtpSecurity::Tls)
        );
        assert_eq!(
            m.password.as_deref(),
            Some("env-secret"),
            "the environment overrides key by key"
        );
        assert_eq!(
            (m.batch_size, m.max_attempts, m.from_name.as_str()),
            (10, 3, "Phòng GD&ĐT")
        );
        assert_eq!(m.backoff_base, time::Duration::seconds(30));
        let shown = c.describe();
        assert!(
            shown.contains("host = smtp.pgd.example.vn") && shown.contains("password = ***"),
            "{shown}"
        );
        assert!(!shown.contains("env-secret") && !shown.contains("file-secret"));
        assert!(!format!("{c:?}").contains("env-secret"), "Debug hides it too");
        assert!(!format!("{file:?}").contains("file-secret"));

        // An empty host from the environment turns the file's server off.
        let off = Config::resolve(Layer::default(), env(&[("LANHMANG_MAIL_HOST", "")]), file).unwrap();
        assert!(off.mail.is_none());

        for bad in [
            &[("LANHMANG_MAIL_HOST", "smtp.x.vn")][..],
            &[
                ("LANHMANG_MAIL_HOST", "smtp.x.vn"),
                ("LANHMANG_MAIL_FROM_ADDRESS", "khong-hop-le"),
            ],
            &[
                ("LANHMANG_MAIL_HOST", "smtp.x.vn"),
                ("LANHMANG_MAIL_FROM_ADDRESS", "a@x.vn"),
                ("LANHMANG_MAIL_SECURITY", "ssl"),
            ],
            &[
                ("LANHMANG_MAIL_HOST", "smtp.x.vn"),
                ("LANHMANG_MAIL_FROM_ADDRESS", "a@x.vn"),
                ("LANHMANG_MAIL_SECURITY", "none"),
                ("LANHMANG_MAIL_USERNAME", "u"),
            ],
        ] {
            assert!(
                Config::resolve(Layer::default(), env(bad), Layer::default()).is_err(),
                "{bad:?}"
            );
        }
        assert!(Layer::from_env([("LANHMANG_MAIL_PORT".to_string(), "x".to_string())].into_iter()).is_err());
        assert!(Layer::from_env([("LANHMANG_MAIL_NOPE".to_string(), "1".to_string())].into_iter()).is_err());
        assert!(toml::from_str::<Layer>("[mail]\nnope = 1").is_err());
    }

    #[test]
    fn proxies_limits_and_the_metrics_token() {
        let c = Config::resolve(Layer::default(), Layer::default(), Layer::default()).unwrap();
        assert_eq!(
            (c.trusted_proxies, c.request_timeout_secs, c.max_concurrent_requests),
            (0, 30, 256)
        );
        assert!(c.metrics_token.is_none());
        // The old boolean still works: true is one proxy; the count wins when both are set.
        let old: Layer = toml::from_str("trust_proxy = true").unwrap();
        assert_eq!(
            Config::resolve(Layer::default(), Layer::default(), old.clone())
                .unwrap()
                .trusted_proxies,
            1
        );
        let both = env(&[("LANHMANG_TRUSTED_PROXIES", "2")]);
        assert_eq!(Config::resolve(Layer::default(), both, old).unwrap().trusted_proxies, 2);
        let off: Layer = toml::from_str("trust_proxy = false").unwrap();
        assert_eq!(
            Config::resolve(Layer::default(), Layer::default(), off)
                .unwrap()
                .trusted_proxies,
            0
        );

        let vars = env(&[
            ("LANHMANG_METRICS_TOKEN", "  prometheus-scrape-token-1  "),
            ("LANHMANG_REQUEST_TIMEOUT_SECS", "5"),
            ("LANHMANG_MAX_CONCURRENT_REQUESTS", "8"),
        ]);
        let c = Config::resolve(Layer::default(), vars, Layer::default()).unwrap();
        assert_eq!(c.metrics_token, Some(Secret("prometheus-scrape-token-1".into())));
        assert_eq!((c.request_timeout_secs, c.max_concurrent_requests), (5, 8));
        let web = c.web();
        assert_eq!(
            web.metrics_token_sha256,
            Some(Sha256::digest(b"prometheus-scrape-token-1").into())
        );
        assert!(!c.describe().contains("prometheus-scrape-token-1"));
        assert!(c.describe().contains("metrics_token = ***"));
        assert!(!format!("{c:?}").contains("prometheus-scrape-token-1"));

        for bad in [
            ("LANHMANG_METRICS_TOKEN", "short"),
            ("LANHMANG_REQUEST_TIMEOUT_SECS", "0"),
            ("LANHMANG_MAX_CONCURRENT_REQUESTS", "0"),
            ("LANHMANG_TRUSTED_PROXIES", "99"),
        ] {
            assert!(
                Config::resolve(Layer::default(), env(&[bad]), Layer::default()).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn serving_the_network_without_https_is_warned_about() {
        let with = |bind: &str, public_url: Option<&str>| {
            let flags = Layer {
                bind: Some(bind.into()),
                public_url: public_url.map(Into::into),
                ..Default::default()
            };
            Config::resolve(flags, Layer::default(), Layer::default())
                .unwrap()
                .exposure_warning()
        };
        let warning = with("0.0.0.0:8080", None).expect("a warning");
        assert!(
            warning.contains("https://") && warning.contains("0.0.0.0:8080"),
            "{warning}"
        );
        assert!(with("192.0.2.10:80", Some("http://lanhmang.example.vn")).is_some());
        assert!(with("[::]:8080", None).is_some());
        assert_eq!(with("127.0.0.1:8080", None), None);
        assert_eq!(with("[::1]:8080", Some("http://localhost")), None);
        assert_eq!(with("0.0.0.0:8080", Some("https://lanhmang.example.vn")), None);
    }

    #[test]
    fn secrets_are_redacted_and_bad_values_refused() {
        let flags = Layer {
            database_url: Some("postgres://lm:hunter22@db/lm".into()),
            ..Default::default()
        };
        let c = Config::resolve(flags, Layer::default(), Layer::default()).unwrap();
        assert!(!c.describe().contains("hunter22"));
        assert!(Layer::from_env([("LANHMANG_BOGUS".to_string(), "1".to_string())].into_iter()).is_err());
        let bad = Layer {
            bind: Some("nowhere".into()),
            ..Default::default()
        };
        assert!(Config::resolve(bad, Layer::default(), Layer::default()).is_err());
        assert!(toml::from_str::<Layer>("unknown_key = 1").is_err());
    }
}
