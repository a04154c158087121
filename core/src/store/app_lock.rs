//! The app lock of a store (rules in `crate::lock`). The PIN hash, the idle timeout and the
//! wrong-PIN count live in the (encrypted) database, so killing the app does not reset the
//! wait; whether the app is open now lives in memory, and a store with a PIN starts locked.

use super::Store;
use crate::lock::{self, LockState};
use crate::{Error, Result};
use rusqlite::{OptionalExtension, params};

/// In memory: the lock's current state and what the store's gate needs without a query.
#[derive(Debug)]
pub(crate) struct Gate {
    pub(crate) wiped: bool,
    pin_set: bool,
    locked: bool,
    idle_ms: i64,
    last_active_ms: i64,
}

impl Gate {
    pub(crate) fn load(conn: &rusqlite::Connection) -> Result<Gate> {
        let (pin, minutes): (Option<String>, u32) = conn
            .query_row("SELECT pin_hash, idle_minutes FROM app_lock WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((None, lock::DEFAULT_IDLE_MINUTES));
        let pin_set = pin.is_some();
        Ok(Gate {
            wiped: false,
            pin_set,
            // A fresh start of the app is a return after idle.
            locked: pin_set,
            idle_ms: i64::from(minutes) * 60_000,
            last_active_ms: 0,
        })
    }

    /// The state at `now`; idle past the timeout locks (and stays locked if the clock goes back).
    fn state(&mut self, now_ms: i64, wait_ms: i64) -> LockState {
        if !self.pin_set {
            return LockState::NoPin;
        }
        if !self.locked && now_ms >= self.last_active_ms + self.idle_ms {
            self.locked = true;
        }
        if self.locked {
            LockState::Locked { wait_ms }
        } else {
            LockState::Unlocked { locks_at_ms: self.last_active_ms + self.idle_ms }
        }
    }

    fn open_at(&mut self, now_ms: i64) {
        self.locked = false;
        self.last_active_ms = now_ms;
    }
}

impl Store {
    /// The one check before anything an officer does through the app: refused once the store
    /// was wiped, or while the app is locked; otherwise it counts as activity at `now_ms`.
    pub fn check_access(&self, now_ms: i64) -> Result<()> {
        let mut gate = self.gate();
        if gate.wiped {
            return Err(Error::DeviceRevoked);
        }
        match gate.state(now_ms, 0) {
            LockState::Locked { .. } => Err(Error::AppLocked),
            LockState::NoPin => Ok(()),
            LockState::Unlocked { .. } => {
                gate.last_active_ms = gate.last_active_ms.max(now_ms);
                Ok(())
            }
        }
    }

    /// Activity at `now_ms` (a tap, a scroll): the same as `check_access`.
    pub fn touch(&self, now_ms: i64) -> Result<()> {
        self.check_access(now_ms)
    }

    pub fn lock_state(&self, now_ms: i64) -> Result<LockState> {
        self.refuse_if_wiped()?;
        let wait_ms = (self.pin_counters()?.1 - now_ms).max(0);
        Ok(self.gate().state(now_ms, wait_ms))
    }

    /// Locks now (the app went to the background, or the officer asked).
    pub fn lock_now(&self) -> Result<()> {
        self.refuse_if_wiped()?;
        self.gate().locked = true;
        Ok(())
    }

    /// Sets or changes the PIN (4–12 digits); only while open (or when there is none yet).
    pub fn set_pin(&self, pin: &str, now_ms: i64) -> Result<()> {
        lock::check_pin_format(pin)?;
        self.check_access(now_ms)?;
        let hash = lock::hash_pin(pin)?;
        self.lock()
            .conn
            .execute("UPDATE app_lock SET pin_hash = ?1, failed_pins = 0, blocked_until_ms = 0 WHERE id = 1", [hash])?;
        let mut gate = self.gate();
        gate.pin_set = true;
        gate.open_at(now_ms);
        Ok(())
    }

    /// Minutes of idle before the app locks: 1–30.
    pub fn set_idle_timeout(&self, minutes: u32, now_ms: i64) -> Result<()> {
        lock::check_idle_minutes(minutes)?;
        self.check_access(now_ms)?;
        self.lock().conn.execute("UPDATE app_lock SET idle_minutes = ?1 WHERE id = 1", [minutes])?;
        self.gate().idle_ms = i64::from(minutes) * 60_000;
        Ok(())
    }

    /// Unlocks with the PIN. After five wrong ones each attempt waits (30 s, doubling); an
    /// attempt during the wait is not checked at all.
    pub fn unlock_with_pin(&self, pin: &str, now_ms: i64) -> Result<()> {
        self.refuse_if_wiped()?;
        let (hash, failed, blocked_until) = {
            let inner = self.lock();
            inner.conn.query_row(
                "SELECT pin_hash, failed_pins, blocked_until_ms FROM app_lock WHERE id = 1",
                [],
                |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, u32>(1)?, r.get::<_, i64>(2)?)),
            )?
        };
        let Some(hash) = hash else {
            return Err(Error::invalid("PIN", "尚未设置 PIN 码"));
        };
        if now_ms < blocked_until {
            return Err(Error::PinBackoff { wait_ms: blocked_until - now_ms });
        }
        if !lock::pin_matches(pin, &hash) {
            let failed = failed.saturating_add(1);
            let wait_ms = lock::wait_after(failed);
            self.lock().conn.execute(
                "UPDATE app_lock SET failed_pins = ?1, blocked_until_ms = ?2 WHERE id = 1",
                params![failed, now_ms + wait_ms],
            )?;
            return Err(Error::PinWrong { wait_ms });
        }
        self.opened(now_ms)
    }

    /// Unlocks after the platform checked the officer's biometrics (BiometricPrompt, Face ID);
    /// core only records it. Needs a PIN set, the fallback when biometrics fail.
    pub fn unlock_with_biometrics(&self, now_ms: i64) -> Result<()> {
        self.refuse_if_wiped()?;
        if !self.gate().pin_set {
            return Err(Error::invalid("biometrics", "尚未设置 PIN 码"));
        }
        self.opened(now_ms)
    }

    fn opened(&self, now_ms: i64) -> Result<()> {
        self.lock().conn.execute("UPDATE app_lock SET failed_pins = 0, blocked_until_ms = 0 WHERE id = 1", [])?;
        self.gate().open_at(now_ms);
        Ok(())
    }

    fn pin_counters(&self) -> Result<(u32, i64)> {
        Ok(self.lock().conn.query_row("SELECT failed_pins, blocked_until_ms FROM app_lock WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?)
    }

    pub(crate) fn refuse_if_wiped(&self) -> Result<()> {
        if self.gate().wiped { Err(Error::DeviceRevoked) } else { Ok(()) }
    }
}
