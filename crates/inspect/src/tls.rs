//! The TLS probe: one handshake whose verifier records the whole presented chain, valid or
//! not, and what a browser's verification would have said about it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::Serialize;
use x509_parser::prelude::*;

use crate::net::GuardedResolver;

/// Accepts any certificate. Used where certificates are judged elsewhere (content fetches,
/// and inside the recording verifier of the probe). Nothing secret is ever sent over these
/// connections.
#[derive(Debug)]
pub struct AcceptAnyCertificate;

fn all_schemes() -> Vec<SignatureScheme> {
    rustls::crypto::ring::default_provider()
        .signature_verification_algorithms
        .supported_schemes()
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        all_schemes()
    }
}

/// What the verifier saw.
#[derive(Debug, Default)]
struct Recorded {
    chain: Vec<Vec<u8>>,
    verdict: Option<Result<(), String>>,
}

#[derive(Debug)]
struct RecordingVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    record: Arc<Mutex<Recorded>>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            .map(|_| ())
            .map_err(|e| format!("{e:?}"));
        let mut rec = self.record.lock().unwrap_or_else(|p| p.into_inner());
        rec.chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.as_ref().to_vec())
            .collect();
        rec.verdict = Some(verdict);
        // Let the handshake finish: the probe reports, it does not refuse.
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        AcceptAnyCertificate.verify_tls12_signature(m, c, d)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        AcceptAnyCertificate.verify_tls13_signature(m, c, d)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        all_schemes()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub names: Vec<String>,
    pub key: String,
    pub key_bits: usize,
    pub signature: String,
    pub self_issued: bool,
}

/// The outcome of the probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsReport {
    pub version: Option<String>,
    pub chain: Vec<CertInfo>,
    /// Why a browser would refuse the certificate, if it would.
    pub verification_error: Option<String>,
    pub days_to_expiry: Option<i64>,
    /// When the leaf certificate expires, in seconds since the epoch.
    pub expires_at: Option<i64>,
    pub expired: bool,
    pub hostname_matches: bool,
    pub self_signed: bool,
    pub incomplete_chain: bool,
    pub weak: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error(transparent)]
    Resolve(#[from] crate::net::ResolveError),
    #[error("không kết nối được cổng TLS: {0}")]
    Connect(String),
    #[error("bắt tay TLS thất bại: {0}")]
    Handshake(String),
    #[error("quá thời gian chờ bắt tay TLS")]
    Timeout,
}

/// Trusted roots: the public web's, plus any configured ones.
pub fn root_store(extra_pem: &[String]) -> RootCertStore {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for pem in extra_pem {
        for der in pem_certificates(pem) {
            let _ = roots.add(CertificateDer::from(der));
        }
    }
    roots
}

/// DER certificates in a PEM text.
pub fn pem_certificates(pem: &str) -> Vec<Vec<u8>> {
    use base64_lite::decode;
    let mut out = Vec::new();
    let mut inside = false;
    let mut b64 = String::new();
    for line in pem.lines() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" {
            inside = true;
            b64.clear();
        } else if line == "-----END CERTIFICATE-----" {
            inside = false;
            if let Some(der) = decode(&b64) {
                out.push(der);
            }
        } else if inside {
            b64.push_str(line);
        }
    }
    out
}

/// A small standard base64 decoder for PEM bodies (no dependency for one use).
mod base64_lite {
    pub fn decode(text: &str) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(text.len() * 3 / 4);
        let mut acc: u32 = 0;
        let mut bits = 0;
        for c in text.bytes() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' => break,
                b' ' | b'\t' | b'\r' | b'\n' => continue,
                _ => return None,
            };
            acc = (acc << 6) | u32::from(v);
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        Some(out)
    }
}

/// Connects to `host:port`, completes a handshake whatever the certificate, and reports.
pub async fn probe(
    resolver: &GuardedResolver,
    roots: Arc<RootCertStore>,
    host: &str,
    port: u16,
    timeout: Duration,
    expiring_within_days: i64,
) -> Result<TlsReport, ProbeError> {
    let addrs = resolver.lookup(host, port).await?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|e| ProbeError::Handshake(e.to_string()))?;
    let record = Arc::new(Mutex::new(Recorded::default()));
    let verifier = RecordingVerifier {
        inner,
        record: record.clone(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ProbeError::Handshake(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from(host.to_string()).map_err(|e| ProbeError::Handshake(e.to_string()))?;
    let handshake = async {
        let tcp = tokio::net::TcpStream::connect(&addrs[..])
            .await
            .map_err(|e| ProbeError::Connect(e.to_string()))?;
        connector
            .connect(name, tcp)
            .await
            .map_err(|e| ProbeError::Handshake(e.to_string()))
    };
    let stream = tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| ProbeError::Timeout)??;
    let version = stream
        .get_ref()
        .1
        .protocol_version()
        .map(|v| format!("{v:?}").replace('_', "."));
    let rec = std::mem::take(&mut *record.lock().unwrap_or_else(|p| p.into_inner()));
    Ok(analyze(host, version, &rec.chain, rec.verdict, expiring_within_days))
}

const WEAK_SIGNATURES: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.4", "md5WithRSAEncryption"),
    ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
    ("1.2.840.10040.4.3", "dsa-with-SHA1"),
];

fn analyze(
    host: &str,
    version: Option<String>,
    chain_der: &[Vec<u8>],
    verdict: Option<Result<(), String>>,
    expiring_within_days: i64,
) -> TlsReport {
    let now = ::time::OffsetDateTime::now_utc().unix_timestamp();
    let mut chain = Vec::new();
    let mut weak: Option<String> = None;
    let mut leaf_not_after: Option<i64> = None;
    let mut leaf_names: Vec<String> = Vec::new();
    for (i, der) in chain_der.iter().enumerate() {
        let Ok((_, cert)) = X509Certificate::from_der(der) else {
            continue;
        };
        let names: Vec<String> = match cert.subject_alternative_name() {
            Ok(Some(san)) => san
                .value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some(d.to_string()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let (key, key_bits) = match cert.public_key().parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => ("RSA".to_string(), rsa.key_size()),
            Ok(x509_parser::public_key::PublicKey::EC(ec)) => ("EC".to_string(), ec.key_size()),
            Ok(other) => (format!("{other:?}").chars().take(20).collect(), 0),
            Err(_) => ("?".to_string(), 0),
        };
        let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
        let signature = WEAK_SIGNATURES
            .iter()
            .find(|(oid, _)| *oid == sig_oid)
            .map(|(_, n)| n.to_string())
            .unwrap_or(sig_oid.clone());
        let weak_key =
            (key == "RSA" && key_bits > 0 && key_bits < 2048) || (key == "EC" && key_bits > 0 && key_bits < 256);
        let weak_sig = WEAK_SIGNATURES.iter().any(|(oid, _)| *oid == sig_oid);
        let self_issued = cert.subject() == cert.issuer();
        // A root's own signature does not matter; only what a browser relies on.
        if weak.is_none() && (weak_key || (weak_sig && !self_issued)) {
            weak = Some(if weak_key {
                format!("khóa {key} {key_bits} bit")
            } else {
                format!("chữ ký {signature}")
            });
        }
        if i == 0 {
            leaf_not_after = Some(cert.validity().not_after.timestamp());
            leaf_names = names.clone();
            if leaf_names.is_empty()
                && let Some(cn) = cert.subject().iter_common_name().next().and_then(|c| c.as_str().ok())
            {
                leaf_names.push(cn.to_string());
            }
        }
        chain.push(CertInfo {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: cert.validity().not_before.to_string(),
            not_after: cert.validity().not_after.to_string(),
            names,
            key,
            key_bits,
            signature,
            self_issued,
        });
    }
    let days_to_expiry = leaf_not_after.map(|t| (t - now).div_euclid(86_400));
    let expired = leaf_not_after.is_some_and(|t| t < now);
    let hostname_matches = leaf_names.iter().any(|n| name_matches(n, host));
    let verification_error = match verdict {
        Some(Err(e)) => Some(e),
        _ => None,
    };
    let self_signed = chain.first().is_some_and(|c| c.self_issued);
    let unknown_issuer = verification_error
        .as_deref()
        .is_some_and(|e| e.contains("UnknownIssuer"));
    let incomplete_chain = unknown_issuer && !self_signed;
    let _ = expiring_within_days;
    TlsReport {
        version,
        chain,
        verification_error,
        days_to_expiry,
        expires_at: leaf_not_after,
        expired,
        hostname_matches,
        self_signed,
        incomplete_chain,
        weak,
    }
}

/// RFC 6125 matching: exact, or one leftmost wildcard label.
pub fn name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if let Some(rest) = pattern.strip_prefix("*.") {
        match host.split_once('.') {
            Some((first, tail)) => !first.is_empty() && tail == rest,
            None => false,
        }
    } else {
        pattern == host
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_one_label() {
        assert!(name_matches("*.fixture.localhost", "s0001.fixture.localhost"));
        assert!(!name_matches("*.fixture.localhost", "a.b.fixture.localhost"));
        assert!(!name_matches("*.fixture.localhost", "fixture.localhost"));
        assert!(name_matches("TH-AnBinh.edu.vn", "th-anbinh.edu.vn"));
    }

    #[test]
    fn pem_decoding() {
        assert_eq!(base64_lite::decode("aGVsbG8="), Some(b"hello".to_vec()));
        let pem = "-----BEGIN CERTIFICATE-----\naGVs\nbG8=\n-----END CERTIFICATE-----\n";
        assert_eq!(pem_certificates(pem), vec![b"hello".to_vec()]);
    }
}
