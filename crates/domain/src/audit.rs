//! The audit chain: each entry's hash covers the previous entry's hash and this entry's fields,
//! so altering or removing any row breaks every hash after it.
//!
//! Anyone who can write the database could still rewrite rows and recompute every hash, so the
//! chain's head (its last hash and entry count) is also signed with HMAC-SHA256 under a key kept
//! outside the database: without the key, a rewritten chain cannot carry a valid signature.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields an audit entry commits to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFields<'a> {
    pub seq: i64,
    /// RFC 3339 UTC time, as stored.
    pub at: &'a str,
    pub actor_user_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: &'a str,
    pub client_ip: &'a str,
}

/// SHA-256 over the previous hash and the fields, each length-prefixed so that no two
/// different entries serialize to the same bytes.
pub fn entry_hash(prev_hash: &str, f: &AuditFields<'_>) -> String {
    let mut h = Sha256::new();
    let actor_id = f.actor_user_id.map(|id| id.to_string()).unwrap_or_default();
    let seq = f.seq.to_string();
    for part in [
        prev_hash,
        &seq,
        f.at,
        &actor_id,
        f.actor,
        f.action,
        f.target,
        f.detail,
        f.client_ip,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The secret that signs the chain's head: 32 bytes kept outside the database.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey([u8; AuditKey::LEN]);

/// Never prints the key: it must not reach logs or printed configuration.
impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(***)")
    }
}

/// Why a key file's content is not a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("khóa ký nhật ký phải là đúng 32 byte (hoặc 64 chữ số hệ 16), tệp có {0} byte")]
pub struct BadAuditKey(pub usize);

impl AuditKey {
    pub const LEN: usize = 32;

    pub fn from_bytes(bytes: [u8; AuditKey::LEN]) -> AuditKey {
        AuditKey(bytes)
    }

    /// A new random key from the operating system's generator.
    pub fn generate() -> AuditKey {
        let mut bytes = [0u8; AuditKey::LEN];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        AuditKey(bytes)
    }

    /// A key file's content: the 32 raw bytes written on creation, or 64 hexadecimal digits
    /// (easier to hand over through secret stores), surrounding whitespace allowed.
    pub fn parse(content: &[u8]) -> Result<AuditKey, BadAuditKey> {
        if let Ok(bytes) = <[u8; AuditKey::LEN]>::try_from(content) {
            return Ok(AuditKey(bytes));
        }
        let text = content.trim_ascii();
        if text.len() == 2 * AuditKey::LEN {
            let mut bytes = [0u8; AuditKey::LEN];
            if hex::decode_to_slice(text, &mut bytes).is_ok() {
                return Ok(AuditKey(bytes));
            }
        }
        Err(BadAuditKey(content.len()))
    }

    /// The raw bytes, for writing a new key file.
    pub fn as_bytes(&self) -> &[u8; AuditKey::LEN] {
        &self.0
    }

    fn mac(&self, seq: i64, last_hash: &str) -> Hmac<Sha256> {
        // Any key length is valid for HMAC, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        let seq = seq.to_string();
        for part in [HEAD_CONTEXT, seq.as_str(), last_hash] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }

    /// The signature of a head with `seq` entries ending in `last_hash`, as hexadecimal text.
    pub fn sign_head(&self, seq: i64, last_hash: &str) -> String {
        hex::encode(self.mac(seq, last_hash).finalize().into_bytes())
    }

    /// Whether `signature` is this key's signature of the head, compared in constant time.
    pub fn verify_head(&self, seq: i64, last_hash: &str, signature: &str) -> bool {
        match hex::decode(signature) {
            Ok(bytes) => self.mac(seq, last_hash).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }
}

impl AuditKey {
    /// A keyed hash of `data` for `purpose` (hexadecimal), for values that must be compared but
    /// never stored in the clear, such as a public reporter's address: without the key, kept
    /// outside the database, the hash cannot be reversed by trying every address. The purpose
    /// is part of the input, so no such hash can pass for a head signature.
    pub fn keyed_hash(&self, purpose: &str, data: &str) -> String {
        // Any key length is valid for HMAC, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        for part in [KEYED_HASH_CONTEXT, purpose, data] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Separates keyed hashes from head signatures.
const KEYED_HASH_CONTEXT: &str = "lanhmang keyed hash v1";

/// Separates head signatures from any other use of the same key.
const HEAD_CONTEXT: &str = "lanhmang audit head v1";

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(detail: &str) -> AuditFields<'_> {
        AuditFields {
            seq: 1,
            at: "2026-11-28T10:00:00Z",
            actor_user_id: Some(3),
            actor: "demo.admin",
            action: "login",
            target: "",
            detail,
            client_ip: "127.0.0.1",
        }
    }

    #[test]
    fn hash_depends_on_every_field_and_the_previous_hash() {
        let a = entry_hash(GENESIS, &fields("x"));
        assert_eq!(a.len(), 64);
        assert_eq!(a, entry_hash(GENESIS, &fields("x")));
        assert_ne!(a, entry_hash(GENESIS, &fields("y")));
        assert_ne!(a, entry_hash(&a, &fields("x")));
        // Moving a character between fields changes the hash (length prefixes).
        let mut f = fields("x");
        f.actor = "demo.admi";
        f.action = "nlogin";
        assert_ne!(a, entry_hash(GENESIS, &f));
    }

    #[test]
    fn head_signature_binds_count_hash_and_key() {
        let key = AuditKey::from_bytes([7; 32]);
        let h = entry_hash(GENESIS, &fields("x"));
        let sig = key.sign_head(1, &h);
        assert_eq!(sig.len(), 64);
        assert!(key.verify_head(1, &h, &sig));
        assert!(!key.verify_head(2, &h, &sig), "another count");
        assert!(!key.verify_head(1, GENESIS, &sig), "another hash");
        assert!(!AuditKey::from_bytes([8; 32]).verify_head(1, &h, &sig), "another key");
        assert!(!key.verify_head(1, &h, "not hex"));
        assert!(!key.verify_head(1, &h, &sig[..62]));
        assert_ne!(AuditKey::generate(), AuditKey::generate());
    }

    #[test]
    fn key_files_and_debug() {
        let key = AuditKey::from_bytes([0xab; 32]);
        assert_eq!(AuditKey::parse(&[0xab; 32]), Ok(key.clone()));
        assert_eq!(
            AuditKey::parse(format!("{}\n", "ab".repeat(32)).as_bytes()),
            Ok(key.clone())
        );
        assert_eq!(AuditKey::parse(b"short"), Err(BadAuditKey(5)));
        assert!(AuditKey::parse("zz".repeat(32).as_bytes()).is_err());
        assert_eq!(format!("{key:?}"), "AuditKey(***)");
    }
}
