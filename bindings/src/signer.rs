//! The device key held by the platform: the app implements [`DeviceSigner`] over the Android
//! Keystore or the iOS Keychain, and core signs evidence metadata and the enrolment proof
//! through it.
//!
//! The platform's key store can fail, and a platform bug could hand back anything. So the
//! adapter trusts nothing it is given: when the store opens, the key must be a valid ed25519
//! key and a probe signature must verify with it (else the store does not open); later, every
//! signature is verified before core sees it. A failure is core's `Error::KeyStore`, returned
//! before anything is written: a bad signature is never stored.

use crate::error::ApiResult;
use crate::store::XunchaStore;
use ed25519_dalek::{Signature, VerifyingKey};
use std::sync::Arc;
use xuncha_core as core;

/// Why the platform could not sign. Any other exception an implementation throws arrives as
/// `Failed` too, with the exception's text.
#[derive(Debug, uniffi::Error)]
pub enum SignerError {
    Failed { reason: String },
}

impl std::fmt::Display for SignerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let SignerError::Failed { reason } = self;
        f.write_str(reason)
    }
}

impl std::error::Error for SignerError {}

/// What an app's callback threw, in one line: Kotlin hands over the whole stack trace, whose
/// first line (exception class and message) says what failed.
pub(crate) fn callback_reason(e: &uniffi::UnexpectedUniFFICallbackError) -> String {
    e.reason.lines().next().unwrap_or_default().trim().to_owned()
}

impl From<uniffi::UnexpectedUniFFICallbackError> for SignerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        SignerError::Failed { reason: callback_reason(&e) }
    }
}

/// The device's ed25519 key, implemented by the app over the platform key store. Called on
/// whichever thread adds evidence or enrols, possibly several at once, while the store is
/// busy with that call: an implementation must not call back into the store.
#[uniffi::export(with_foreign)]
pub trait DeviceSigner: Send + Sync {
    /// The raw 32-byte ed25519 public key (for a JCA key: the last 32 bytes of its X.509 encoding).
    fn public_key(&self) -> Result<Vec<u8>, SignerError>;
    /// The 64-byte ed25519 signature of `message`.
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, SignerError>;
}

/// Signed when the store opens, to prove the platform key works before any evidence needs it.
const PROBE: &[u8] = b"xuncha device key check";

/// The unwind payload that carries a signing failure out of a core call.
/// Core's signer over the app's, checking each signature.
struct CheckedSigner {
    platform: Arc<dyn DeviceSigner>,
    key: VerifyingKey,
}

/// What the officer reads (core adds that nothing was stored, and the code).
fn key_store(why: impl Into<String>) -> core::Error {
    core::Error::KeyStore { why: why.into() }
}

impl CheckedSigner {
    fn new(platform: Arc<dyn DeviceSigner>) -> core::Result<CheckedSigner> {
        let raw = platform.public_key().map_err(|_| key_store("设备密钥库没有给出公钥"))?;
        let raw = <[u8; 32]>::try_from(raw.as_slice())
            .map_err(|_| key_store(format!("设备公钥有 {} 字节，应为 32 字节", raw.len())))?;
        let key = VerifyingKey::from_bytes(&raw)
            .ok()
            .filter(|k| !k.is_weak())
            .ok_or_else(|| key_store("设备公钥不是有效的 ed25519 公钥"))?;
        let signer = CheckedSigner { platform, key };
        signer.checked_sign(PROBE)?;
        Ok(signer)
    }

    fn checked_sign(&self, message: &[u8]) -> core::Result<[u8; 64]> {
        let sig = self.platform.sign(message.to_vec()).map_err(|_| key_store("设备密钥库未能签名"))?;
        let sig = <[u8; 64]>::try_from(sig.as_slice())
            .map_err(|_| key_store(format!("设备密钥库返回的签名有 {} 字节，应为 64 字节", sig.len())))?;
        self.key
            .verify_strict(message, &Signature::from_bytes(&sig))
            .map_err(|_| key_store("设备密钥库的签名与其公钥不符"))?;
        Ok(sig)
    }
}

impl core::evidence::DeviceSigner for CheckedSigner {
    fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    fn sign(&self, message: &[u8]) -> core::Result<[u8; 64]> {
        self.checked_sign(message)
    }
}

#[uniffi::export]
impl XunchaStore {
    /// Opens the store in `dir` with the device key held by the platform (Android Keystore,
    /// iOS Keychain) instead of in the database. Refused (`ApiError.KeyStore`) when the key is
    /// not a valid ed25519 key or a probe signature does not verify with it. Use the same key
    /// for a store every time: evidence signed with an earlier key no longer verifies.
    #[uniffi::constructor]
    pub fn open_with_signer(dir: String, signer: Arc<dyn DeviceSigner>) -> ApiResult<Arc<Self>> {
        let checked = CheckedSigner::new(signer)?;
        Ok(XunchaStore::wrap(core::Store::open_with_signer(dir, Some(Box::new(checked)))?))
    }

    /// Opens the store in `dir` encrypted at rest (ADR 0013) with `store_key`, 32 random bytes
    /// the app keeps in the platform keystore (Android Keystore-wrapped, iOS Keychain) and never
    /// writes elsewhere; `signer` as in `open_with_signer`, or None for a key kept in the
    /// (encrypted) database. A wrong key is `ApiError.StoreKeyWrong`; a plaintext store from an
    /// older app is encrypted on this first open.
    #[uniffi::constructor]
    pub fn open_encrypted(
        dir: String,
        store_key: Vec<u8>,
        signer: Option<Arc<dyn DeviceSigner>>,
    ) -> ApiResult<Arc<Self>> {
        let key = core::StoreKey::from_slice(&store_key)?;
        let signer: Option<Box<dyn core::evidence::DeviceSigner>> = match signer {
            Some(s) => Some(Box::new(CheckedSigner::new(s)?)),
            None => None,
        };
        Ok(XunchaStore::wrap(core::Store::open_encrypted(dir, &key, signer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use ed25519_dalek::{Signer, SigningKey};
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A platform key that can be told to misbehave.
    struct Platform {
        key: SigningKey,
        short_key: bool,
        garble: AtomicBool,
    }

    impl DeviceSigner for Platform {
        fn public_key(&self) -> Result<Vec<u8>, SignerError> {
            let k = self.key.verifying_key().to_bytes().to_vec();
            Ok(if self.short_key { k[..31].to_vec() } else { k })
        }

        fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, SignerError> {
            let mut sig = self.key.sign(&message).to_bytes().to_vec();
            if self.garble.load(Ordering::SeqCst) {
                sig[0] ^= 1;
            }
            Ok(sig)
        }
    }

    fn platform(short_key: bool, garble: bool) -> Arc<Platform> {
        Arc::new(Platform { key: SigningKey::from_bytes(&[7; 32]), short_key, garble: AtomicBool::new(garble) })
    }

    #[test]
    fn a_wrong_length_key_or_a_bad_probe_signature_is_refused_at_open() {
        let short = ApiError::from(CheckedSigner::new(platform(true, false)).err().unwrap()).to_string();
        assert!(short.starts_with("设备公钥有 31 字节，应为 32 字节") && short.ends_with("(key_store)"), "{short}");
        let bad = ApiError::from(CheckedSigner::new(platform(false, true)).err().unwrap()).to_string();
        assert!(bad.starts_with("设备密钥库的签名与其公钥不符"), "{bad}");
        assert!(CheckedSigner::new(platform(false, false)).is_ok());
    }

    #[test]
    fn a_bad_signature_later_becomes_a_key_store_error_not_a_stored_signature() {
        let p = platform(false, false);
        let signer = CheckedSigner::new(p.clone()).unwrap();
        p.garble.store(true, Ordering::SeqCst);
        let result = core::evidence::DeviceSigner::sign(&signer, b"metadata").map_err(ApiError::from);
        assert!(matches!(&result, Err(ApiError::KeyStore(m)) if m.contains("签名与其公钥不符")), "{result:?}");
    }
}
