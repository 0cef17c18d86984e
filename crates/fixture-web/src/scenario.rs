//! Which defects each site carries. The layout repeats every 100 sites: 30 slots are clean
//! (slots ending in 0, 3 and 7) and the 70 others take the scenarios below in order. The first
//! 35 scenarios cover every code once, so any 50 consecutive sites starting at a multiple of 100
//! hold each defect; the next 35 repeat them with other variants and combinations. The seed
//! changes names, texts, dates, techniques and header profiles, never which defects a slot holds.

use FindingCode as F;
use lanhmang_domain::finding::FindingCode;

pub(crate) const SLOTS: usize = 100;

static SCENARIOS: [&[FindingCode]; 70] = [
    // First half: every code once.
    &[F::TlsExpired],
    &[F::SpamHidden],
    &[F::HttpError],
    &[F::StaleContent],
    &[F::NoHttps],
    &[F::OutdatedCms, F::GeneratorDisclosed],
    &[F::MaliciousRedirect],
    &[F::BrokenInternalLink],
    &[F::TooManyRedirects],
    &[F::TlsSelfSigned],
    &[F::DisclosureMissing],
    &[F::SpamVisible],
    &[F::MixedContent],
    &[F::BodyTooLarge],
    &[F::TlsHostnameMismatch],
    &[F::BrokenExternalLink],
    &[F::Cloaking],
    &[F::GeneratorDisclosed],
    &[F::Unreachable],
    &[F::DecompressionBomb],
    &[F::TlsIncompleteChain],
    &[F::DisclosureIncomplete],
    &[F::SpamLinks],
    &[F::SlowResponse],
    &[F::Timeout],
    &[F::TlsWeakKey],
    &[F::NoHttpsRedirect],
    &[F::HeadersTooLarge],
    &[F::TlsExpiringSoon],
    &[F::InvalidEncoding],
    &[F::MalformedFeed],
    &[F::OutdatedCms, F::SpamHidden],
    &[F::StaleContent, F::DisclosureIncomplete],
    &[F::BrokenInternalLink, F::BrokenExternalLink],
    &[F::SpamHidden],
    // Second half: the same codes again, other variants and realistic combinations.
    &[F::TlsExpired],
    &[F::SpamHidden],
    &[F::HttpError],
    &[F::StaleContent, F::OutdatedCms, F::GeneratorDisclosed],
    &[F::NoHttps],
    &[F::MaliciousRedirect],
    &[F::DisclosureMissing],
    &[F::TlsSelfSigned],
    &[F::SpamVisible, F::OutdatedCms, F::GeneratorDisclosed],
    &[F::MixedContent, F::GeneratorDisclosed],
    &[F::TlsHostnameMismatch],
    &[F::BrokenInternalLink],
    &[F::Cloaking, F::OutdatedCms],
    &[F::TlsIncompleteChain],
    &[F::DisclosureIncomplete],
    &[F::SpamLinks, F::SpamHidden],
    &[F::MaliciousRedirect],
    &[F::TlsWeakKey],
    &[F::NoHttpsRedirect],
    &[F::BrokenExternalLink],
    &[F::TlsExpiringSoon],
    &[F::StaleContent],
    &[F::SpamVisible],
    &[F::MixedContent],
    &[F::GeneratorDisclosed],
    &[F::SpamHidden],
    &[F::DisclosureMissing],
    &[F::SpamLinks],
    &[F::SpamHidden],
    &[F::NoHttps, F::StaleContent],
    &[F::BrokenInternalLink, F::DisclosureIncomplete],
    &[F::OutdatedCms],
    &[F::MixedContent, F::BrokenExternalLink],
    &[F::Cloaking],
    &[F::MaliciousRedirect],
];

fn is_clean_slot(slot: usize) -> bool {
    matches!(slot % 10, 0 | 3 | 7)
}

/// The defects planned for site `index`, before adapting to a fixture without TLS.
pub(crate) fn planned(index: usize) -> &'static [FindingCode] {
    let slot = index % SLOTS;
    if is_clean_slot(slot) {
        return &[];
    }
    let clean_before = (slot / 10) * 3 + [0usize, 3, 7].iter().filter(|&&c| c < slot % 10).count();
    SCENARIOS[slot - clean_before]
}

/// A set of finding codes as bits, in `FindingCode::ALL` order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Defects(u64);

fn bit(code: FindingCode) -> u64 {
    let pos = FindingCode::ALL.iter().position(|&c| c == code).unwrap_or(63);
    1u64 << pos
}

impl Defects {
    pub(crate) fn from_codes(codes: &[FindingCode]) -> Defects {
        Defects(codes.iter().fold(0, |acc, &c| acc | bit(c)))
    }
    pub(crate) fn has(self, code: FindingCode) -> bool {
        self.0 & bit(code) != 0
    }
    pub(crate) fn insert(&mut self, code: FindingCode) {
        self.0 |= bit(code);
    }
    pub(crate) fn remove(&mut self, code: FindingCode) {
        self.0 &= !bit(code);
    }
    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub(crate) fn codes(self) -> Vec<FindingCode> {
        FindingCode::ALL.into_iter().filter(|&c| self.has(c)).collect()
    }
}

/// Which certificate a site presents over TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TlsKind {
    Valid,
    /// No certificate for the host: the handshake is refused.
    Refused,
    Expired,
    ExpiringSoon,
    SelfSigned,
    WrongHost,
    IncompleteChain,
    Weak,
}

/// The hostile behaviour a site's home page shows, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hostile {
    RedirectLoop,
    HugeBody,
    GzipBomb,
    SlowDrip,
    HugeHeaders,
}

const TLS_CODES: [FindingCode; 8] = [
    F::NoHttps,
    F::NoHttpsRedirect,
    F::TlsExpired,
    F::TlsExpiringSoon,
    F::TlsSelfSigned,
    F::TlsHostnameMismatch,
    F::TlsIncompleteChain,
    F::TlsWeakKey,
];

const HOSTILE_CODES: [FindingCode; 5] = [
    F::TooManyRedirects,
    F::BodyTooLarge,
    F::DecompressionBomb,
    F::Timeout,
    F::HeadersTooLarge,
];

/// The defects site `index` really carries, given whether the fixture has a TLS listener.
/// Without TLS every site is plain HTTP: TLS scenarios become `no_https` alone, mixed content
/// cannot exist, and every site that answers normally also lacks HTTPS.
pub(crate) fn effective(index: usize, tls_enabled: bool) -> Defects {
    let planned = planned(index);
    let mut d = Defects::from_codes(planned);
    if tls_enabled {
        return d;
    }
    if planned.iter().any(|c| TLS_CODES.contains(c)) {
        return Defects::from_codes(&[F::NoHttps]);
    }
    d.remove(F::MixedContent);
    let answers = !planned
        .iter()
        .any(|c| HOSTILE_CODES.contains(c) || *c == F::Unreachable);
    if answers {
        d.insert(F::NoHttps);
    }
    d
}

pub(crate) fn tls_kind(index: usize, tls_enabled: bool) -> TlsKind {
    if !tls_enabled {
        return TlsKind::Refused;
    }
    let d = Defects::from_codes(planned(index));
    if d.has(F::NoHttps) {
        TlsKind::Refused
    } else if d.has(F::TlsExpired) {
        TlsKind::Expired
    } else if d.has(F::TlsExpiringSoon) {
        TlsKind::ExpiringSoon
    } else if d.has(F::TlsSelfSigned) {
        TlsKind::SelfSigned
    } else if d.has(F::TlsHostnameMismatch) {
        TlsKind::WrongHost
    } else if d.has(F::TlsIncompleteChain) {
        TlsKind::IncompleteChain
    } else if d.has(F::TlsWeakKey) {
        TlsKind::Weak
    } else {
        TlsKind::Valid
    }
}

pub(crate) fn hostile(d: Defects) -> Option<Hostile> {
    if d.has(F::TooManyRedirects) {
        Some(Hostile::RedirectLoop)
    } else if d.has(F::BodyTooLarge) {
        Some(Hostile::HugeBody)
    } else if d.has(F::DecompressionBomb) {
        Some(Hostile::GzipBomb)
    } else if d.has(F::Timeout) {
        Some(Hostile::SlowDrip)
    } else if d.has(F::HeadersTooLarge) {
        Some(Hostile::HugeHeaders)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_clean_slots_and_every_code_in_the_first_fifty() {
        let clean = (0..SLOTS).filter(|&i| planned(i).is_empty()).count();
        assert_eq!(clean, 30);
        let mut seen = Defects::default();
        for i in 0..50 {
            for &c in planned(i) {
                seen.insert(c);
            }
        }
        for code in FindingCode::ALL {
            if code != F::BlockedPrivateAddress && code != F::WeakSecurityHeaders {
                assert!(seen.has(code), "{code:?} missing from the first 50 sites");
            }
        }
    }

    #[test]
    fn without_tls_sites_are_plain_http() {
        for i in 0..SLOTS {
            let d = effective(i, false);
            assert!(!d.has(F::MixedContent) && !d.has(F::TlsExpired) && !d.has(F::NoHttpsRedirect));
            assert_eq!(tls_kind(i, false), TlsKind::Refused);
        }
    }
}
