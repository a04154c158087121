//! The device key. The secret sits behind `DeviceSigner` so that the Android Keystore or the
//! iOS Keychain can hold it; the default keeps it in the store's database.

use ed25519_dalek::{Signer, SigningKey};

/// Signs evidence metadata with the device's ed25519 key.
pub trait DeviceSigner: Send + Sync {
    /// The 32-byte ed25519 public key (checked once, when the store opens).
    fn public_key(&self) -> [u8; 32];
    /// An ed25519 signature (64 bytes) over `message`. A platform key store can fail (the key
    /// was invalidated, the user did not authenticate): `Error::KeyStore`, and nothing is stored.
    fn sign(&self, message: &[u8]) -> crate::Result<[u8; 64]>;
}

/// A key held in memory, loaded from (and saved in) the store's database.
pub struct SoftwareSigner(SigningKey);

impl SoftwareSigner {
    pub fn generate() -> Self {
        SoftwareSigner(SigningKey::from_bytes(&crate::util::random_bytes::<32>()))
    }

    pub fn from_secret(secret: [u8; 32]) -> Self {
        SoftwareSigner(SigningKey::from_bytes(&secret))
    }

    pub fn secret(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
}

impl DeviceSigner for SoftwareSigner {
    fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    fn sign(&self, message: &[u8]) -> crate::Result<[u8; 64]> {
        Ok(self.0.sign(message).to_bytes())
    }
}
