//! Webhook delivery: due deliveries posted to the offices' messaging providers, signed, with
//! every attempt logged.
//!
//! Each delivery is claimed under a lease (see `lanhmang_store::webhooks`) and posted once per
//! attempt. A 2xx answer delivers it; a busy or failing receiver (408, 425, 429, 5xx, no
//! connection, a timeout) is tried again with exponential backoff; any other answer, or running
//! out of attempts, fails it for good. Addresses are resolved through the inspector's guard:
//! a receiver on a private or local address is refused unless the deployment allows such
//! addresses (the demo and tests). Redirects are not followed.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use lanhmang_app::App;
use lanhmang_domain::webhook::{
    Answer, BACKOFF_BASE_SECS, BACKOFF_MAX_SECS, MAX_ATTEMPTS, answer, retry_delay_secs, sign,
};
use lanhmang_store::webhooks::{AttemptResult, ClaimedDelivery, Next};
use time::Duration;

use crate::JobError;

/// One delivery job claims nothing new after this long; what is left goes to the next job.
const JOB_BUDGET: StdDuration = StdDuration::from_secs(60);

/// How deliveries are posted and retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// For a whole attempt: connecting, posting, the answer's head.
    pub timeout: StdDuration,
    /// Deliveries posted by one job at most.
    pub batch_size: usize,
    pub max_attempts: i64,
    /// The wait after the first failed attempt (doubling with each further one, capped).
    pub backoff_base_secs: i64,
    pub backoff_max_secs: i64,
}

impl Default for WebhookPolicy {
    fn default() -> WebhookPolicy {
        WebhookPolicy {
            timeout: StdDuration::from_secs(10),
            batch_size: 100,
            max_attempts: MAX_ATTEMPTS,
            backoff_base_secs: BACKOFF_BASE_SECS,
            backoff_max_secs: BACKOFF_MAX_SECS,
        }
    }
}

impl WebhookPolicy {
    /// How long a claimed delivery is held: longer than any attempt can last.
    pub fn lease(&self) -> Duration {
        let attempt = Duration::try_from(self.timeout).unwrap_or(Duration::minutes(1));
        (attempt + Duration::minutes(1)).max(Duration::minutes(2))
    }
}

/// Posts deliveries: one HTTP client with the address guard and the public trust roots.
pub struct Poster {
    client: reqwest::Client,
    policy: WebhookPolicy,
}

impl Poster {
    /// `allow_private`: receivers on local or private addresses are allowed (demo, tests).
    pub fn new(allow_private: bool, policy: WebhookPolicy) -> Result<Poster, JobError> {
        lanhmang_inspect::fetch::install_crypto_provider();
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| JobError::Setup(e.to_string()))?
            .with_root_certificates(lanhmang_inspect::tls::root_store(&[]))
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .dns_resolver(lanhmang_inspect::net::resolver(allow_private))
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_proxy()
            .connect_timeout(policy.timeout)
            .timeout(policy.timeout)
            .user_agent(concat!("LanhMang-Webhooks/", env!("CARGO_PKG_VERSION")))
            .http1_only()
            .build()
            .map_err(|e| JobError::Setup(e.to_string()))?;
        Ok(Poster { client, policy })
    }

    pub fn policy(&self) -> &WebhookPolicy {
        &self.policy
    }

    /// One attempt: the answer code, or why there was none.
    async fn post(&self, claim: &ClaimedDelivery, body: Vec<u8>) -> Result<u16, String> {
        let id = claim.id.to_string();
        let timestamp = lanhmang_store::now().unix_timestamp();
        let signature = sign(&claim.secret, &id, timestamp, &body);
        let sent = self
            .client
            .post(&claim.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => Ok(response.status().as_u16()),
            Err(e) if e.is_timeout() => Err(format!(
                "không nhận được trả lời sau {} giây",
                self.policy.timeout.as_secs()
            )),
            Err(e) => Err(describe(&e)),
        }
    }
}

/// The failure in words, with the guard's refusal named plainly.
fn describe(e: &reqwest::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(blocked) = s.downcast_ref::<lanhmang_inspect::net::ResolveError>() {
            return blocked.to_string();
        }
        source = s.source();
    }
    if e.is_connect() {
        format!("không kết nối được: {e}")
    } else {
        format!("không gửi được: {e}")
    }
}

/// What one delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
    /// The run stopped at its batch size or time budget: more may be due.
    pub more: bool,
}

impl DeliveryReport {
    pub fn summary(&self) -> String {
        format!(
            "{} lần gửi kết nối đã được nhận, {} sẽ thử lại, {} không gửi được",
            self.delivered, self.retrying, self.failed
        )
    }
}

/// Posts up to one batch of due deliveries.
pub async fn deliver_due(app: &App, poster: &Poster) -> Result<DeliveryReport, JobError> {
    let policy = poster.policy();
    let mut report = DeliveryReport {
        more: true,
        ..Default::default()
    };
    let started = Instant::now();
    for _ in 0..policy.batch_size {
        if started.elapsed() > JOB_BUDGET {
            break;
        }
        let Some(claim) = app.store.claim_webhook_delivery(policy.lease()).await? else {
            report.more = false;
            break;
        };
        let result = attempt(app, poster, &claim).await?;
        match result.next {
            Next::Delivered => report.delivered += 1,
            Next::RetryAt(_) => report.retrying += 1,
            Next::Failed => report.failed += 1,
        }
        if !app.store.record_webhook_attempt(&claim, &result).await? {
            tracing::warn!(
                delivery = claim.id,
                "webhook attempt outlived its lease; another worker has it"
            );
        }
    }
    Ok(report)
}

async fn attempt(app: &App, poster: &Poster, claim: &ClaimedDelivery) -> Result<AttemptResult, JobError> {
    let policy = poster.policy();
    let give_up = |error: String| AttemptResult {
        status_code: None,
        error,
        duration_ms: 0,
        next: Next::Failed,
    };
    // Attempts that ended with the worker gone (killed mid-post) count too.
    if claim.attempts > policy.max_attempts {
        return Ok(give_up(format!("đã thử {} lần mà không gửi được", policy.max_attempts)));
    }
    let Some(body) = lanhmang_app::webhooks::payload(app, claim).await? else {
        return Ok(give_up("nội dung cần gửi không còn".into()));
    };
    let started = Instant::now();
    let posted = poster.post(claim, body).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let retry = |error: String| {
        if claim.attempts >= policy.max_attempts {
            (format!("{error} (đã thử {} lần)", claim.attempts), Next::Failed)
        } else {
            let wait = retry_delay_secs(policy.backoff_base_secs, policy.backoff_max_secs, claim.attempts);
            (error, Next::RetryAt(lanhmang_store::now() + Duration::seconds(wait)))
        }
    };
    let (status_code, (error, next)) = match posted {
        Ok(code) => (
            Some(code),
            match answer(code) {
                Answer::Delivered => (String::new(), Next::Delivered),
                Answer::Retry => retry(format!("máy nhận trả lời {code}")),
                Answer::Refused => (format!("máy nhận từ chối ({code})"), Next::Failed),
            },
        ),
        Err(error) => (None, retry(error)),
    };
    tracing::info!(delivery = claim.id, attempt = claim.attempts, status = ?status_code, %error, "webhook attempt");
    Ok(AttemptResult {
        status_code,
        error,
        duration_ms,
        next,
    })
}
