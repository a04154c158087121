//! Console sessions, held by the server in memory (lost on restart by design: sign in again).
//!
//! A session ends after `idle` without use or `absolute` after sign-in, whichever comes first.
//! The table is bounded: a user keeps at most `per_user` sessions (a new sign-in ends their
//! oldest) and the server at most `max` (expired ones go first, then the least recently used).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
    pub per_user: usize,
    pub max: usize,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(12 * 3600),
            per_user: 5,
            max: 10_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Session {
    user_id: i64,
    created: Instant,
    used: Instant,
}

/// What a token hash stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Valid {
        user_id: i64,
    },
    /// It was a session, ended by a timeout.
    Expired,
    /// Not a session (perhaps a device token).
    Unknown,
}

pub struct Sessions {
    policy: SessionPolicy,
    by_token: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    pub fn new(policy: &SessionPolicy) -> Sessions {
        Sessions { policy: policy.clone(), by_token: Mutex::new(HashMap::new()) }
    }

    fn expired(&self, s: &Session, now: Instant) -> bool {
        now.saturating_duration_since(s.used) >= self.policy.idle
            || now.saturating_duration_since(s.created) >= self.policy.absolute
    }

    /// Opens a session under `token_hash` for `user_id`, making room first.
    pub fn open(&self, token_hash: String, user_id: i64) {
        let now = Instant::now();
        let mut map = self.by_token.lock().unwrap_or_else(|p| p.into_inner());
        let mut mine: Vec<(Instant, String)> =
            map.iter().filter(|(_, s)| s.user_id == user_id).map(|(k, s)| (s.created, k.clone())).collect();
        if mine.len() >= self.policy.per_user.max(1) {
            mine.sort();
            for (_, token) in mine.iter().take(mine.len() + 1 - self.policy.per_user.max(1)) {
                map.remove(token);
            }
        }
        if map.len() >= self.policy.max.max(1) {
            map.retain(|_, s| !self.expired(s, now));
        }
        while map.len() >= self.policy.max.max(1) {
            let Some(lru) = map.iter().min_by_key(|(_, s)| s.used).map(|(k, _)| k.clone()) else { break };
            map.remove(&lru);
        }
        map.insert(token_hash, Session { user_id, created: now, used: now });
    }

    /// The session under `token_hash`; a use keeps it from going idle.
    pub fn lookup(&self, token_hash: &str) -> Lookup {
        let now = Instant::now();
        let mut map = self.by_token.lock().unwrap_or_else(|p| p.into_inner());
        match map.get_mut(token_hash) {
            None => Lookup::Unknown,
            Some(s) if self.expired(s, now) => {
                map.remove(token_hash);
                Lookup::Expired
            }
            Some(s) => {
                s.used = now;
                Lookup::Valid { user_id: s.user_id }
            }
        }
    }

    /// Ends a session; whether there was one.
    pub fn close(&self, token_hash: &str) -> bool {
        self.by_token.lock().unwrap_or_else(|p| p.into_inner()).remove(token_hash).is_some()
    }

    /// Sessions held now (expired ones not yet swept included).
    pub fn len(&self) -> usize {
        self.by_token.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sessions of `user_id` held now.
    pub fn count_of(&self, user_id: i64) -> usize {
        self.by_token.lock().unwrap_or_else(|p| p.into_inner()).values().filter(|s| s.user_id == user_id).count()
    }
}
