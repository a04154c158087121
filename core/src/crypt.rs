//! Keys for encryption at rest (ADR 0013). The app hands over one 32-byte store key that the
//! platform keystore holds (Android Keystore-wrapped, iOS Keychain); core never writes it down.
//! Two subkeys are derived from it with HKDF-SHA256 under distinct labels, so the database key
//! and the evidence-file key are independent: one leaking says nothing of the other.

use crate::{Error, Result};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The secret that opens one device's store. Wiped from memory on drop; prints nothing.
/// 32 fresh random bytes, for an app to make a store key on its first start.
pub fn random_key_bytes() -> zeroize::Zeroizing<[u8; 32]> {
    zeroize::Zeroizing::new(crate::util::random_bytes::<32>())
}

#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct StoreKey([u8; 32]);

impl StoreKey {
    pub fn from_bytes(bytes: [u8; 32]) -> StoreKey {
        StoreKey(bytes)
    }

    /// A key from a slice, as the platform keystore hands it over; it must be 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<StoreKey> {
        let key = <[u8; 32]>::try_from(bytes)
            .map_err(|_| Error::invalid("store key", format!("存储密钥有 {} 字节，应为 32 字节", bytes.len())))?;
        Ok(StoreKey(key))
    }

    /// A fresh random key, for the app's first start (it then hands it to the keystore).
    pub fn generate() -> StoreKey {
        StoreKey(*random_key_bytes())
    }

    fn derive(&self, label: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        Hkdf::<Sha256>::new(None, &self.0).expand(label, &mut out).expect("32 bytes is a valid HKDF length");
        out
    }

    pub(crate) fn db_key(&self) -> DbKey {
        DbKey(self.derive(b"xuncha/v1/sqlcipher"))
    }

    pub(crate) fn file_key(&self) -> FileKey {
        FileKey(self.derive(b"xuncha/v1/evidence-files"))
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(..)")
    }
}

/// SQLCipher's raw key: given as a blob literal, so SQLCipher skips its own PBKDF2 (the key is
/// already uniformly random).
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct DbKey([u8; 32]);

impl DbKey {
    /// `x'<64 hex>'` in double quotes, the form `PRAGMA key` takes for a raw key.
    pub(crate) fn pragma_value(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(format!("\"x'{}'\"", hex::encode(self.0)))
    }
}

/// The key of evidence files.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct FileKey([u8; 32]);

/// Marks a sealed evidence file (format version 1).
pub(crate) const SEALED_MAGIC: &[u8; 4] = b"XCE1";
const NONCE_LEN: usize = 24;

impl FileKey {
    /// `XCE1 || nonce || ciphertext+tag`. A random 24-byte nonce per file (XChaCha20, so random
    /// nonces never realistically repeat); the AAD binds the file to its name.
    pub(crate) fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce = crate::util::random_bytes::<NONCE_LEN>();
        let sealed = self
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad })
            .expect("XChaCha20-Poly1305 encrypts any length a phone holds");
        let mut out = Vec::with_capacity(SEALED_MAGIC.len() + NONCE_LEN + sealed.len());
        out.extend_from_slice(SEALED_MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The plaintext of a sealed file; an error if it is not sealed, not ours, or was changed.
    pub(crate) fn open(&self, aad: &[u8], file: &[u8]) -> Result<Vec<u8>> {
        let body = file
            .strip_prefix(SEALED_MAGIC)
            .filter(|b| b.len() >= NONCE_LEN)
            .ok_or_else(|| Error::CorruptChanges("the evidence file is not sealed".into()))?;
        let (nonce, sealed) = body.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad })
            .map_err(|_| Error::CorruptChanges("the evidence file was changed or sealed with another key".into()))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }
}

pub(crate) fn is_sealed(file: &[u8]) -> bool {
    file.starts_with(SEALED_MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subkeys_differ_and_debug_prints_nothing() {
        let key = StoreKey::from_bytes([7; 32]);
        assert_ne!(key.db_key().0, key.file_key().0);
        assert_eq!(format!("{key:?}"), "StoreKey(..)");
        assert!(StoreKey::from_slice(&[1; 31]).is_err());
    }

    #[test]
    fn sealed_files_open_only_with_their_key_and_name() {
        let key = StoreKey::from_bytes([1; 32]).file_key();
        let sealed = key.seal(b"name", b"secret bytes");
        assert!(is_sealed(&sealed));
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(key.open(b"name", &sealed).unwrap(), b"secret bytes");
        assert!(key.open(b"other", &sealed).is_err());
        assert!(StoreKey::from_bytes([2; 32]).file_key().open(b"name", &sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(key.open(b"name", &tampered).is_err());
        assert_ne!(key.seal(b"name", b"same"), key.seal(b"name", b"same"), "a fresh nonce per file");
    }
}
