//! Limits on login attempts, so that passwords cannot be guessed at speed.
//!
//! - Per source address: a GCRA quota of attempts (governor), whatever the outcome.
//! - Per username and per source address: failures in a row. After `free_failures` the next
//!   attempt must wait `backoff_base`, doubling with each failure up to `backoff_max`. An
//!   attempt made while it should wait is refused and counts as a failure too.
//! - Per username: after `lockout_after` failures the username is locked for `lockout`; an
//!   admin can lift it earlier (`POST /v1/admin/users/{username}/unlock`).
//!
//! An attempt counts as a failure from the moment it is admitted until it succeeds, so a
//! burst of concurrent guesses is limited like a sequence. Unknown usernames are tracked like
//! known ones: a lockout says nothing about whether an account exists. A streak is forgotten
//! after `lockout` without attempts. The table is bounded (`MAX_TRACKED`, oldest dropped first).

use crate::error::ApiError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Usernames and addresses with a failure streak, at most.
const MAX_TRACKED: usize = 100_000;

/// How hard login is limited, and how many password checks may run at once.
#[derive(Debug, Clone)]
pub struct LoginPolicy {
    /// Attempts per source address per minute (burst of the same size).
    pub attempts_per_minute_per_address: u32,
    /// Failures in a row before a username has to wait.
    pub free_failures: u32,
    /// Failures in a row before an address has to wait (higher: offices share addresses).
    pub free_failures_per_address: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Failures in a row that lock a username.
    pub lockout_after: u32,
    pub lockout: Duration,
    /// Password checks (argon2) running at once.
    pub concurrent_checks: usize,
    /// Requests waiting for a check slot, at most; more are refused at once.
    pub max_waiting: usize,
    /// How long a request waits for a check slot.
    pub max_wait: Duration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            attempts_per_minute_per_address: 30,
            free_failures: 5,
            free_failures_per_address: 20,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            lockout_after: 20,
            lockout: Duration::from_secs(30 * 60),
            concurrent_checks: std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8),
            max_waiting: 64,
            max_wait: Duration::from_secs(2),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Streak {
    failures: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// Why an attempt was refused before its password was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Try again after this long.
    Throttled(Duration),
    /// The username is locked for this long (or until an admin lifts it).
    Locked(Duration),
}

pub struct LoginLimiter {
    policy: LoginPolicy,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    streaks: Mutex<HashMap<Key, Streak>>,
}

impl LoginLimiter {
    pub fn new(policy: &LoginPolicy) -> LoginLimiter {
        let per_minute = NonZeroU32::new(policy.attempts_per_minute_per_address).unwrap_or(NonZeroU32::MIN);
        LoginLimiter {
            policy: policy.clone(),
            per_address: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)),
            streaks: Mutex::new(HashMap::new()),
        }
    }

    pub fn policy(&self) -> &LoginPolicy {
        &self.policy
    }

    /// Admits an attempt by `username` from `address`, counted as a failure until `succeeded`.
    pub fn admit(&self, username: &str, address: Option<IpAddr>) -> Result<(), Refusal> {
        // Over the address's quota is refused, but still counts against the username.
        let over_quota = address.map_or(Duration::ZERO, |ip| {
            if self.per_address.len() > MAX_TRACKED {
                self.per_address.retain_recent();
            }
            match self.per_address.check_key(&ip) {
                Ok(()) => Duration::ZERO,
                Err(not_until) => {
                    not_until.wait_time_from(self.per_address.clock().now()).max(Duration::from_millis(1))
                }
            }
        });
        let now = Instant::now();
        let mut streaks = self.streaks.lock().unwrap_or_else(|p| p.into_inner());
        let user = Key::User(username.to_owned());
        let address = address.map(Key::Address);
        for key in std::iter::once(&user).chain(&address) {
            self.forget_if_over(&mut streaks, key, now);
        }
        if let Some(Streak { locked_until: Some(until), .. }) = streaks.get(&user) {
            return Err(Refusal::Locked(until.saturating_duration_since(now)));
        }
        let address_wait = address
            .as_ref()
            .map_or(Duration::ZERO, |a| self.wait(streaks.get(a), self.policy.free_failures_per_address, now));
        let wait = over_quota.max(address_wait).max(self.wait(streaks.get(&user), self.policy.free_failures, now));
        self.fail(&mut streaks, user, now);
        if let Some(a) = address {
            self.fail(&mut streaks, a, now);
        }
        if wait.is_zero() { Ok(()) } else { Err(Refusal::Throttled(wait)) }
    }

    /// The right password: the username's streak ends, and the address's attempt is not a
    /// failure after all (an office's sign-ins do not add up to a backoff).
    pub fn succeeded(&self, username: &str, address: Option<IpAddr>) {
        let mut streaks = self.streaks.lock().unwrap_or_else(|p| p.into_inner());
        streaks.remove(&Key::User(username.to_owned()));
        if let Some(a) = address
            && let Some(s) = streaks.get_mut(&Key::Address(a))
        {
            s.failures = s.failures.saturating_sub(1);
            if s.failures == 0 {
                streaks.remove(&Key::Address(a));
            }
        }
    }

    /// An admin lifts a lockout or backoff of `username`; whether there was one.
    pub fn unlock(&self, username: &str) -> bool {
        self.streaks.lock().unwrap_or_else(|p| p.into_inner()).remove(&Key::User(username.to_owned())).is_some()
    }

    /// Whether `username` is locked now.
    pub fn is_locked(&self, username: &str) -> bool {
        let streaks = self.streaks.lock().unwrap_or_else(|p| p.into_inner());
        streaks
            .get(&Key::User(username.to_owned()))
            .and_then(|s| s.locked_until)
            .is_some_and(|until| until > Instant::now())
    }

    /// Usernames and addresses with a streak held now.
    pub fn tracked(&self) -> usize {
        self.streaks.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// A streak ends when its lockout has passed or after `lockout` without attempts.
    fn forget_if_over(&self, streaks: &mut HashMap<Key, Streak>, key: &Key, now: Instant) {
        let over = streaks.get(key).is_some_and(|s| match s.locked_until {
            Some(until) => until <= now,
            None => now.saturating_duration_since(s.last) >= self.policy.lockout,
        });
        if over {
            streaks.remove(key);
        }
    }

    /// How long the next attempt must still wait after `streak`.
    fn wait(&self, streak: Option<&Streak>, free: u32, now: Instant) -> Duration {
        let Some(s) = streak.filter(|s| s.failures >= free) else { return Duration::ZERO };
        let doublings = (s.failures - free).min(30);
        let delay = self.policy.backoff_base.saturating_mul(1 << doublings).min(self.policy.backoff_max);
        (s.last + delay).saturating_duration_since(now)
    }

    fn fail(&self, streaks: &mut HashMap<Key, Streak>, key: Key, now: Instant) {
        if !streaks.contains_key(&key) && streaks.len() >= MAX_TRACKED {
            make_room(streaks, now, self.policy.lockout);
        }
        let s = streaks.entry(key.clone()).or_insert(Streak { failures: 0, last: now, locked_until: None });
        s.failures = s.failures.saturating_add(1);
        s.last = now;
        if let Key::User(name) = &key
            && s.failures >= self.policy.lockout_after
            && s.locked_until.is_none()
        {
            s.locked_until = Some(now + self.policy.lockout);
            tracing::warn!(username = name, failures = s.failures, "login locked after repeated failures");
        }
    }
}

/// Drops finished streaks, then, if still full, the one idle longest (locked ones last).
fn make_room(streaks: &mut HashMap<Key, Streak>, now: Instant, lockout: Duration) {
    streaks.retain(|_, s| match s.locked_until {
        Some(until) => until > now,
        None => now.saturating_duration_since(s.last) < lockout,
    });
    if streaks.len() >= MAX_TRACKED
        && let Some(oldest) =
            streaks.iter().min_by_key(|(_, s)| (s.locked_until.is_some(), s.last)).map(|(k, _)| k.clone())
    {
        streaks.remove(&oldest);
    }
}

impl Refusal {
    fn retry_after(&self) -> Duration {
        match self {
            Refusal::Throttled(d) | Refusal::Locked(d) => *d,
        }
    }

    pub fn error(&self) -> ApiError {
        let secs = self.retry_after().as_secs().max(1);
        match self {
            Refusal::Throttled(_) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "login_throttled",
                format!("登录尝试过于频繁，请 {secs} 秒后再试"),
            ),
            Refusal::Locked(_) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "login_locked",
                format!("登录失败次数过多，账号已暂时锁定，请 {} 分钟后再试或联系管理员解锁", secs.div_ceil(60)),
            ),
        }
    }
}

/// A 429 with `Retry-After`.
impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let secs = self.retry_after().as_secs().max(1);
        let mut response = self.error().into_response();
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_guesses_count_before_their_check() {
        let limiter = LoginLimiter::new(&LoginPolicy::default());
        // Five admitted at once, none finished: the sixth already waits.
        for _ in 0..5 {
            assert_eq!(limiter.admit("chen", None), Ok(()));
        }
        assert!(matches!(limiter.admit("chen", None), Err(Refusal::Throttled(d)) if d > Duration::ZERO));
        limiter.succeeded("chen", None);
        assert_eq!(limiter.admit("chen", None), Ok(()), "a success ends the streak");
    }

    #[test]
    fn the_table_is_bounded() {
        let limiter = LoginLimiter::new(&LoginPolicy::default());
        for i in 0..MAX_TRACKED + 10 {
            let _ = limiter.admit(&format!("user-{i}"), None);
        }
        assert_eq!(limiter.tracked(), MAX_TRACKED);
    }
}
