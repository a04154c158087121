//! The app lock and the store key (ADR 0013), mirrored from core: the rules (PIN format,
//! idle timeout, wrong-PIN wait) are core's; times are passed in so the apps' tests need not
//! sleep. `XunchaStore::store` refuses every other call while locked.

use crate::error::ApiResult;
use crate::store::XunchaStore;
use xuncha_core as core;
use xuncha_core::LockState;

/// 32 fresh random bytes for a new store's key: the app wraps them with the Android Keystore
/// or puts them in the iOS Keychain on first start, then passes them to `open_encrypted`.
#[uniffi::export]
pub fn new_store_key() -> Vec<u8> {
    core::crypt::random_key_bytes().to_vec()
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[uniffi::export]
impl XunchaStore {
    /// The lock's state at `now_ms` (the app's clock, ms since the epoch).
    pub fn lock_state(&self, now_ms: i64) -> ApiResult<LockState> {
        Ok(self.inner.lock_state(now_ms)?)
    }

    /// The officer used the app at `now_ms`: postpones the idle lock. `Locked` if already locked.
    pub fn touch(&self, now_ms: i64) -> ApiResult<()> {
        Ok(self.inner.touch(now_ms)?)
    }

    /// Locks now (the app went to the background, or the officer asked).
    pub fn lock_now(&self) -> ApiResult<()> {
        Ok(self.inner.lock_now()?)
    }

    /// Sets or changes the PIN: 4–12 digits (`InvalidInput` otherwise). Only while open.
    pub fn set_pin(&self, pin: String, now_ms: i64) -> ApiResult<()> {
        Ok(self.inner.set_pin(&pin, now_ms)?)
    }

    /// Minutes of idle before the app locks, 1–30 (default 5). Only while open.
    pub fn set_idle_timeout(&self, minutes: u32, now_ms: i64) -> ApiResult<()> {
        Ok(self.inner.set_idle_timeout(minutes, now_ms)?)
    }

    /// Unlocks with the PIN; `PinWrong` with the wait after five wrong ones (30 s, doubling).
    pub fn unlock_with_pin(&self, pin: String, now_ms: i64) -> ApiResult<()> {
        Ok(self.inner.unlock_with_pin(&pin, now_ms)?)
    }

    /// Unlocks after the platform's biometric check succeeded (BiometricPrompt, Face ID).
    pub fn unlock_with_biometrics(&self, now_ms: i64) -> ApiResult<()> {
        Ok(self.inner.unlock_with_biometrics(now_ms)?)
    }

    /// True once the store was wiped (the device was revoked).
    pub fn is_wiped(&self) -> bool {
        self.inner.is_wiped()
    }
}
