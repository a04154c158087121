//! Ed25519 public keys as the verifier shows and compares them: 64 hex digits, with a full
//! SHA-256 fingerprint (never a shortened one: a person compares all of it or a tool does).

use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

/// A well-formed Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses 64 hex digits (surrounding whitespace is ignored).
    pub fn from_hex(text: &str) -> Result<PublicKey, String> {
        let text = text.trim();
        let bytes: [u8; 32] = hex::decode(text)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("公钥应为 64 位十六进制数字: {text:?}"))?;
        VerifyingKey::from_bytes(&bytes).map(PublicKey).map_err(|_| format!("不是有效的 Ed25519 公钥: {text}"))
    }

    pub fn from_verifying_key(key: VerifyingKey) -> PublicKey {
        PublicKey(key)
    }

    /// The key as 64 hex digits.
    pub fn hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// SHA-256 of the key's 32 bytes, 64 hex digits.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// "公钥 <hex>（指纹 SHA-256 <hex>）": how every key is shown to a person.
    pub fn describe(&self) -> String {
        format!("公钥 {}（指纹 SHA-256 {}）", self.hex(), self.fingerprint())
    }

    /// True when `signature_hex` is this key's signature of `message`.
    pub fn verifies(&self, message: &[u8], signature_hex: &str) -> bool {
        let Some(sig) = hex::decode(signature_hex.trim()).ok().and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
            return false;
        };
        self.0.verify_strict(message, &Signature::from_bytes(&sig)).is_ok()
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.hex())
    }
}
