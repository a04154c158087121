//! Who made a change, and the device's word for it.
//!
//! A change message names its author (officer, certificate number, device), but anyone can
//! write a message. So each change is also signed, on the device that made it, with that
//! device's enrolled key: a colleague's phone can then relay the change (after an offline
//! exchange) and the server can still tell that the named device made it.

use super::{Author, ChangeMessage};
use crate::{Error, Result};
use automerge::Change;
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

/// Separates change signatures from every other use of the device key (evidence, enrolment).
const DOMAIN: &[u8] = b"xuncha-change-v1";
/// Device ids are 32 hex digits; allow some room, refuse absurd ones before storing them.
pub const MAX_DEVICE_ID_LEN: usize = 64;

/// A device's ed25519 signature over one change of one document.
#[derive(Clone, PartialEq, Eq)]
pub struct ChangeSignature {
    pub device_id: String,
    pub signature: [u8; 64],
}

impl std::fmt::Debug for ChangeSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChangeSignature({}, {}…)", self.device_id, hex::encode(&self.signature[..8]))
    }
}

impl ChangeSignature {
    /// A signature read from outside: the device id must look like one.
    pub fn new(device_id: &str, signature: [u8; 64]) -> Result<ChangeSignature> {
        let ok = !device_id.is_empty()
            && device_id.len() <= MAX_DEVICE_ID_LEN
            && device_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok {
            return Err(Error::CorruptChanges(format!("a change signature names device {device_id:?}")));
        }
        Ok(ChangeSignature { device_id: device_id.to_owned(), signature })
    }

    /// Signs `change` of document `doc_id` with a device key.
    pub fn sign(
        device_id: &str,
        doc_id: &str,
        change: &[u8],
        sign: impl FnOnce(&[u8]) -> crate::Result<[u8; 64]>,
    ) -> crate::Result<Self> {
        Ok(ChangeSignature { device_id: device_id.to_owned(), signature: sign(&signed_message(doc_id, change))? })
    }

    /// Whether this signature over `change` of `doc_id` verifies with `public_key` (hex).
    pub fn verifies(&self, doc_id: &str, change: &[u8], public_key: &str) -> bool {
        let Ok(key) = hex::decode(public_key) else { return false };
        let Ok(key) = <[u8; 32]>::try_from(key.as_slice()) else { return false };
        let Ok(key) = VerifyingKey::from_bytes(&key) else { return false };
        key.verify_strict(&signed_message(doc_id, change), &Signature::from_bytes(&self.signature)).is_ok()
    }
}

/// What is signed: the domain, then SHA-256 of the document id, then SHA-256 of the change
/// bytes. The document id is bound in so that a signed change cannot be replayed into
/// another document (a first change has no dependencies that would tie it to its own).
fn signed_message(doc_id: &str, change: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + 64);
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(&Sha256::digest(doc_id.as_bytes()));
    m.extend_from_slice(&Sha256::digest(change));
    m
}

/// The author a change names in its message; None if it names none (not made by this app).
pub fn change_author(change: &Change) -> Option<Author> {
    let message = change.message()?;
    serde_json::from_str::<ChangeMessage>(message).ok().map(|m| m.author)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{DeviceSigner, SoftwareSigner};

    #[test]
    fn a_signature_binds_the_change_and_the_document() {
        let key = SoftwareSigner::generate();
        let public = hex::encode(key.public_key());
        let sig = ChangeSignature::sign("d1", "insp-1", b"change", |m| key.sign(m)).unwrap();
        assert!(sig.verifies("insp-1", b"change", &public));
        assert!(!sig.verifies("insp-2", b"change", &public), "moved to another document");
        assert!(!sig.verifies("insp-1", b"changf", &public), "another change");
        let other = hex::encode(SoftwareSigner::generate().public_key());
        assert!(!sig.verifies("insp-1", b"change", &other), "another device's key");
        assert!(!sig.verifies("insp-1", b"change", "zz"), "a key that is not hex");
        assert!(ChangeSignature::new("../x", [0; 64]).is_err());
        assert!(ChangeSignature::new(&"a".repeat(65), [0; 64]).is_err());
    }
}
