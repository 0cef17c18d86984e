//! Configuration: defaults, then `lanhmang.toml`, then `LANHMANG_*` environment variables,
//! then command-line flags. Secrets never appear in what is printed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// Everything that can be set, each optional so that layers can be merged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    /// The address people use, such as `https://lanhmang.sgd.example.vn`; `https://` turns on
    /// Secure cookies and HSTS.
    pub public_url: Option<String>,
    pub session_idle_minutes: Option<i64>,
    pub session_lifetime_hours: Option<i64>,
    pub trust_proxy: Option<bool>,
    pub body_limit_bytes: Option<usize>,
    /// `text` (default) or `json`.
    pub log_format: Option<String>,
    /// Workers started inside `serve` (0: run `lanhmang worker` separately).
    pub workers: Option<usize>,
    /// The `[inspect]` table: limits of the website inspector (file only).
    pub inspect: Option<InspectSettings>,
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
            public_url: self.public_url.or(base.public_url),
            session_idle_minutes: self.session_idle_minutes.or(base.session_idle_minutes),
            session_lifetime_hours: self.session_lifetime_hours.or(base.session_lifetime_hours),
            trust_proxy: self.trust_proxy.or(base.trust_proxy),
            body_limit_bytes: self.body_limit_bytes.or(base.body_limit_bytes),
            log_format: self.log_format.or(base.log_format),
            workers: self.workers.or(base.workers),
            inspect: self.inspect.or(base.inspect),
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
                "PUBLIC_URL" => layer.public_url = Some(value),
                "SESSION_IDLE_MINUTES" => layer.session_idle_minutes = Some(parse_int(&value)?),
                "SESSION_LIFETIME_HOURS" => layer.session_lifetime_hours = Some(parse_int(&value)?),
                "TRUST_PROXY" => layer.trust_proxy = Some(matches!(value.trim(), "1" | "true" | "yes")),
                "BODY_LIMIT_BYTES" => layer.body_limit_bytes = Some(parse_int(&value)?.max(0) as usize),
                "LOG_FORMAT" => layer.log_format = Some(value),
                "WORKERS" => layer.workers = Some(parse_int(&value)?.max(0) as usize),
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
    pub public_url: Option<String>,
    pub session_idle_minutes: i64,
    pub session_lifetime_hours: i64,
    pub trust_proxy: bool,
    pub body_limit_bytes: usize,
    pub log_json: bool,
    pub workers: usize,
    pub inspect: InspectSettings,
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
            public_url: l.public_url,
            session_idle_minutes: idle,
            session_lifetime_hours: lifetime,
            trust_proxy: l.trust_proxy.unwrap_or(false),
            body_limit_bytes: l.body_limit_bytes.unwrap_or(2 * 1024 * 1024),
            log_json,
            workers: l.workers.unwrap_or(1),
            inspect: l.inspect.unwrap_or_default(),
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

    pub fn web(&self) -> lanhmang_web::WebConfig {
        lanhmang_web::WebConfig {
            https: self.https(),
            session_idle: time::Duration::minutes(self.session_idle_minutes),
            session_lifetime: time::Duration::hours(self.session_lifetime_hours),
            trust_proxy: self.trust_proxy,
            body_limit: self.body_limit_bytes,
            ..Default::default()
        }
    }

    /// The configuration as text, with the database password hidden.
    pub fn describe(&self) -> String {
        format!(
            "bind = {}\ndata_dir = {}\ndatabase_url = {}\npublic_url = {}\nsession_idle_minutes = {}\nsession_lifetime_hours = {}\ntrust_proxy = {}\nbody_limit_bytes = {}\nlog_format = {}\nworkers = {}\n",
            self.bind,
            self.data_dir.display(),
            lanhmang_store::redact_url(&self.database_url),
            self.public_url.as_deref().unwrap_or("(chưa đặt)"),
            self.session_idle_minutes,
            self.session_lifetime_hours,
            self.trust_proxy,
            self.body_limit_bytes,
            if self.log_json { "json" } else { "text" },
            self.workers,
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
        assert_eq!(c.workers, 3);
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
