//! Certificates for the fixture web. The root CA and the weak (SHA-1 signed) leaf are committed
//! under `fixtures/tls/` (made once with `make.sh`); every other certificate is issued at start with
//! rcgen, one per kind, each a wildcard for `*.fixture.localhost`, and chosen per host by SNI.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::crypto::ring::sign::any_supported_type;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use time::{Duration, OffsetDateTime};

use super::scenario::TlsKind;
use super::{FixtureError, HostKind, World};

const ROOT_PEM: &str = include_str!("../fixtures/tls/root-ca.pem");
const ROOT_KEY: &str = include_str!("../fixtures/tls/root-ca.key");
const LEGACY_CA_PEM: &str = include_str!("../fixtures/tls/legacy-ca.pem");
const WEAK_LEAF_PEM: &str = include_str!("../fixtures/tls/weak-leaf.pem");
const WEAK_LEAF_KEY: &str = include_str!("../fixtures/tls/weak-leaf.key");

/// The fixture root CA, PEM: what inspectors must trust.
pub(crate) fn root_pem() -> &'static str {
    ROOT_PEM
}

#[derive(Debug)]
pub(crate) struct CertSet {
    valid: Arc<CertifiedKey>,
    expired: Arc<CertifiedKey>,
    expiring: Arc<CertifiedKey>,
    self_signed: Arc<CertifiedKey>,
    wrong_host: Arc<CertifiedKey>,
    incomplete: Arc<CertifiedKey>,
    weak: Arc<CertifiedKey>,
}

fn tls_err(e: impl std::fmt::Display) -> FixtureError {
    FixtureError::Tls(e.to_string())
}

fn certified(chain: Vec<CertificateDer<'static>>, key_der: Vec<u8>) -> Result<Arc<CertifiedKey>, FixtureError> {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der));
    let signing = any_supported_type(&key).map_err(tls_err)?;
    Ok(Arc::new(CertifiedKey::new(chain, signing)))
}

fn leaf_params(
    names: &[&str],
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<CertificateParams, FixtureError> {
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).map_err(tls_err)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.not_before = not_before;
    params.not_after = not_after;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    Ok(params)
}

fn intermediate(
    name: &str,
    root: &Issuer<'_, KeyPair>,
    now: OffsetDateTime,
) -> Result<(CertificateDer<'static>, Issuer<'static, KeyPair>), FixtureError> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Lanh Mang Fixture");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = now - Duration::days(365);
    params.not_after = now + Duration::days(5 * 365);
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().map_err(tls_err)?;
    let cert = params.signed_by(&key, root).map_err(tls_err)?;
    Ok((cert.der().clone(), Issuer::new(params, key)))
}

const NAMES: [&str; 2] = ["*.fixture.localhost", "fixture.localhost"];

impl CertSet {
    pub(crate) fn build(now: OffsetDateTime) -> Result<CertSet, FixtureError> {
        let root_key = KeyPair::from_pem(ROOT_KEY).map_err(tls_err)?;
        let root = Issuer::from_ca_cert_pem(ROOT_PEM, root_key).map_err(tls_err)?;
        let (r1_der, r1) = intermediate("Lanh Mang Fixture Issuing CA R1", &root, now)?;
        let (_, r2) = intermediate("Lanh Mang Fixture Issuing CA R2", &root, now)?;

        let issue = |issuer: &Issuer<'_, KeyPair>,
                     names: &[&str],
                     from: OffsetDateTime,
                     to: OffsetDateTime|
         -> Result<(CertificateDer<'static>, Vec<u8>), FixtureError> {
            let key = KeyPair::generate().map_err(tls_err)?;
            let cert = leaf_params(names, from, to)?.signed_by(&key, issuer).map_err(tls_err)?;
            Ok((cert.der().clone(), key.serialize_der()))
        };
        let with_r1 = |(leaf, key): (CertificateDer<'static>, Vec<u8>)| certified(vec![leaf, r1_der.clone()], key);

        let valid = with_r1(issue(&r1, &NAMES, now - Duration::days(10), now + Duration::days(80))?)?;
        let expired = with_r1(issue(&r1, &NAMES, now - Duration::days(100), now - Duration::days(10))?)?;
        let expiring = with_r1(issue(&r1, &NAMES, now - Duration::days(80), now + Duration::days(10))?)?;
        let wrong_host = with_r1(issue(
            &r1,
            &["hosting-chung.localhost", "*.hosting-chung.localhost"],
            now - Duration::days(10),
            now + Duration::days(80),
        )?)?;
        let (leaf, key) = issue(&r2, &NAMES, now - Duration::days(10), now + Duration::days(80))?;
        let incomplete = certified(vec![leaf], key)?;

        let self_key = KeyPair::generate().map_err(tls_err)?;
        let mut params = leaf_params(&NAMES, now - Duration::days(10), now + Duration::days(355))?;
        params.use_authority_key_identifier_extension = false;
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Truong hoc tu cap");
        let self_cert = params.self_signed(&self_key).map_err(tls_err)?;
        let self_signed = certified(vec![self_cert.der().clone()], self_key.serialize_der())?;

        let mut weak_chain = Vec::new();
        for pem in [WEAK_LEAF_PEM, LEGACY_CA_PEM] {
            weak_chain.push(CertificateDer::from_pem_slice(pem.as_bytes()).map_err(tls_err)?);
        }
        let weak_key = PrivateKeyDer::from_pem_slice(WEAK_LEAF_KEY.as_bytes()).map_err(tls_err)?;
        let weak = Arc::new(CertifiedKey::new(
            weak_chain,
            any_supported_type(&weak_key).map_err(tls_err)?,
        ));

        Ok(CertSet {
            valid,
            expired,
            expiring,
            self_signed,
            wrong_host,
            incomplete,
            weak,
        })
    }

    fn for_kind(&self, kind: TlsKind) -> Option<Arc<CertifiedKey>> {
        Some(match kind {
            TlsKind::Refused => return None,
            TlsKind::Valid => &self.valid,
            TlsKind::Expired => &self.expired,
            TlsKind::ExpiringSoon => &self.expiring,
            TlsKind::SelfSigned => &self.self_signed,
            TlsKind::WrongHost => &self.wrong_host,
            TlsKind::IncompleteChain => &self.incomplete,
            TlsKind::Weak => &self.weak,
        })
        .cloned()
    }
}

/// Picks the certificate from the SNI name; no name, an unknown name or a site without HTTPS
/// gets none, and the handshake fails.
#[derive(Debug)]
pub(crate) struct Resolver {
    pub(crate) world: Arc<World>,
    pub(crate) certs: CertSet,
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name()?.to_ascii_lowercase();
        match self.world.classify(&name) {
            HostKind::Site(i) => self.certs.for_kind(self.world.tls_kind(i)),
            HostKind::Gambling(_) | HostKind::Ext | HostKind::Cdn | HostKind::Index => {
                self.certs.for_kind(TlsKind::Valid)
            }
            HostKind::Unknown => None,
        }
    }
}

pub(crate) fn server_config(resolver: Resolver) -> Result<rustls::ServerConfig, FixtureError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
