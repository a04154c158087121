//! The app lock's rules (ADR 0013): a PIN of 4–12 digits, an idle timeout of 1–30 minutes
//! (5 by default), and a growing wait after repeated wrong PINs. Time is always passed in
//! (milliseconds since the epoch), so the rules are tested without sleeping. The state lives in
//! the store (`Store::lock_state` and friends); the bindings refuse every call while locked.

use crate::{Error, Result};

pub const PIN_MIN_DIGITS: usize = 4;
pub const PIN_MAX_DIGITS: usize = 12;
pub const DEFAULT_IDLE_MINUTES: u32 = 5;
pub const IDLE_MINUTES: std::ops::RangeInclusive<u32> = 1..=30;
/// Wrong PINs allowed before each further attempt waits.
pub const FREE_ATTEMPTS: u32 = 5;
/// The first wait; it doubles with each further wrong PIN.
pub const FIRST_WAIT_MS: i64 = 30_000;
/// The doubling stops here (30 s · 2^10 ≈ 8.5 h), so the arithmetic cannot overflow.
const MAX_DOUBLINGS: u32 = 10;

/// What the app shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum LockState {
    /// No PIN is set yet: the lock is off until the officer sets one (the app asks first).
    NoPin,
    /// Open; locks at `locks_at_ms` unless used before.
    Unlocked { locks_at_ms: i64 },
    /// Locked; the next PIN attempt is accepted after `wait_ms` (0: now).
    Locked { wait_ms: i64 },
}

/// A PIN is 4–12 ASCII digits.
pub fn check_pin_format(pin: &str) -> Result<()> {
    let ok = (PIN_MIN_DIGITS..=PIN_MAX_DIGITS).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("PIN", format!("PIN 码须为 {PIN_MIN_DIGITS}–{PIN_MAX_DIGITS} 位数字")))
    }
}

pub fn check_idle_minutes(minutes: u32) -> Result<()> {
    if IDLE_MINUTES.contains(&minutes) {
        Ok(())
    } else {
        Err(Error::invalid(
            "idle timeout",
            format!("自动锁定时间须为 {}–{} 分钟", IDLE_MINUTES.start(), IDLE_MINUTES.end()),
        ))
    }
}

/// How long the next attempt waits after `failed` wrong PINs in a row: nothing for the first
/// five, then 30 s, doubling.
pub fn wait_after(failed: u32) -> i64 {
    match failed.checked_sub(FREE_ATTEMPTS) {
        None => 0,
        Some(extra) => FIRST_WAIT_MS << extra.min(MAX_DOUBLINGS),
    }
}

pub(crate) fn hash_pin(pin: &str) -> Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::encode_b64(&crate::util::random_bytes::<16>())
        .map_err(|e| Error::invalid_because("PIN salt", "PIN 码无法保存，请重试", e))?;
    let hash = argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| Error::invalid_because("PIN", "PIN 码无法保存，请重试", e))?;
    Ok(hash.to_string())
}

pub(crate) fn pin_matches(pin: &str, stored: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(stored).is_ok_and(|h| argon2::Argon2::default().verify_password(pin.as_bytes(), &h).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_four_to_twelve_digits() {
        for good in ["1234", "000000", "123456789012"] {
            assert!(check_pin_format(good).is_ok(), "{good}");
        }
        for bad in ["", "123", "1234567890123", "12a4", "１２３４", "12 34"] {
            assert!(check_pin_format(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_wait_starts_after_five_wrong_pins_and_doubles() {
        assert_eq!((0..=5).map(wait_after).collect::<Vec<_>>(), [0, 0, 0, 0, 0, 30_000]);
        assert_eq!(wait_after(6), 60_000);
        assert_eq!(wait_after(7), 120_000);
        assert_eq!(wait_after(u32::MAX), 30_000 << 10);
    }

    #[test]
    fn a_pin_hash_matches_only_its_pin() {
        let h = hash_pin("2468").unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(pin_matches("2468", &h));
        assert!(!pin_matches("2469", &h));
        assert!(!pin_matches("2468", "not a hash"));
    }
}
