//! Progress reporting and retry timing, for the sync session. The store side (what to push,
//! applying a pull) lives in `store::push` and `store::pull`; the steps in `session`.

use std::time::Duration;

/// The parts of a sync, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum Phase {
    /// Records (document changes) and evidence metadata going up.
    PushRecords,
    /// Evidence bytes going up.
    UploadBytes,
    /// What others did, coming down.
    PullRecords,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::PushRecords => "push_records",
            Phase::UploadBytes => "upload_bytes",
            Phase::PullRecords => "pull_records",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    /// Records for the record phases, bytes for uploads.
    pub done: u64,
    pub total: u64,
}

/// Told how a sync is going; called on the syncing thread.
pub trait SyncProgress: Send + Sync {
    fn on_progress(&self, progress: Progress);
}

impl<F: Fn(Progress) + Send + Sync> SyncProgress for F {
    fn on_progress(&self, progress: Progress) {
        self(progress)
    }
}

/// Exponential backoff with full jitter: the n-th retry waits a random time in
/// [0, min(cap, base · 2ⁿ)), so phones that lost the link together do not return together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base: Duration::from_millis(500), cap: Duration::from_secs(60), max_attempts: 6 }
    }
}

impl Backoff {
    /// The wait before retry `attempt` (0-based), given a uniform random number in [0, 1).
    pub fn delay(&self, attempt: u32, unit_random: f64) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << attempt.min(20)).min(self.cap);
        ceiling.mul_f64(unit_random.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let b = Backoff { base: Duration::from_millis(100), cap: Duration::from_secs(2), max_attempts: 5 };
        assert_eq!(b.delay(0, 0.999_999).as_millis(), 99);
        assert_eq!(b.delay(3, 0.5), Duration::from_millis(400));
        assert_eq!(b.delay(10, 0.5), Duration::from_secs(1), "capped at 2 s");
        assert_eq!(b.delay(4, 0.0), Duration::ZERO, "full jitter reaches zero");
    }
}
