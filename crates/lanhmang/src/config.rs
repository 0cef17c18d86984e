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
