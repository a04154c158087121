//! Password hashing, and the bounded pool that checks passwords at login.
//!
//! An argon2 check takes ~19 MiB and tens of milliseconds of one core. Checks run on at most
//! `concurrent_checks` blocking threads at once; a few more requests wait briefly for a turn,
//! the rest are told the server is busy. Each check borrows its argon2 memory from a pool
//! kept for the server's life: allocating 19 MiB per check on whichever blocking thread runs
//! it leaves that much behind in each thread's malloc arena (measured: +280 MiB after one
//! flood), while borrowed memory keeps a flood at `concurrent_checks` × 19 MiB.
//! A username without a password hash is checked against a dummy hash, so that an unknown user
//! takes as long as a known one.

use super::login_limit::LoginPolicy;
use crate::error::ApiError;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use axum::http::StatusCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("OS randomness");
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt).map_err(ApiError::internal)?.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    verify_in(password, hash, &mut Vec::new())
}

/// `PasswordVerifier::verify_password`, with argon2's memory in `memory` (grown as needed,
/// kept for the next check) instead of a fresh allocation.
fn verify_in(password: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed)) else {
        return false;
    };
    let Ok(version) = parsed.version.map(Version::try_from).transpose() else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    memory.resize(params.block_count(), Block::default());
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut out = vec![0u8; expected.len()];
    // `Output`'s equality is constant-time.
    argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..]).is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// Checks passwords in a pool slot, with the slot's memory.
pub struct Verifier<'a> {
    memory: &'a mut Vec<Block>,
    dummy_hash: &'a str,
}

impl Verifier<'_> {
    /// Whether `password` matches `hash`; with no hash, the same work against the dummy hash
    /// and false.
    pub fn verify(&mut self, password: &str, hash: Option<&str>) -> bool {
        let ok = verify_in(password, hash.unwrap_or(self.dummy_hash), self.memory);
        ok && hash.is_some()
    }
}

/// Runs password checks on a bounded number of blocking threads.
pub struct PasswordChecks {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    wait: Duration,
    /// Hash of a random secret with the same parameters as real hashes.
    dummy_hash: Arc<str>,
    /// argon2 memory, one per running check at most.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

fn busy() -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "login_busy", "登录请求过多，服务器正忙，请稍后再试")
}

/// Counts a request as waiting for a turn while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordChecks {
    pub fn new(policy: &LoginPolicy) -> Result<PasswordChecks, ApiError> {
        Ok(PasswordChecks {
            permits: Arc::new(Semaphore::new(policy.concurrent_checks.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting: policy.max_waiting,
            wait: policy.max_wait,
            dummy_hash: hash_password(&super::new_secret(16))?.into(),
            memory: Arc::default(),
        })
    }

    /// Runs `work` on the blocking pool once a check slot is free, with the slot's verifier;
    /// refuses with 503 when too many are already waiting or no slot frees up within the wait.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Verifier) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = {
            if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                return Err(busy());
            }
            let _waiting = Waiting(&self.waiting);
            match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                _ => return Err(busy()),
            }
        };
        let (pool, dummy_hash) = (self.memory.clone(), self.dummy_hash.clone());
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut memory = pool.lock().unwrap_or_else(|p| p.into_inner()).pop().unwrap_or_default();
            let result = work(&mut Verifier { memory: &mut memory, dummy_hash: &dummy_hash });
            pool.lock().unwrap_or_else(|p| p.into_inner()).push(memory);
            result
        })
        .await
        .map_err(ApiError::internal)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_with_pooled_memory_agree_with_argon2() {
        let hash = hash_password("correct horse").unwrap();
        let mut memory = Vec::new();
        assert!(verify_in("correct horse", &hash, &mut memory));
        assert!(!verify_in("correct horsf", &hash, &mut memory));
        assert!(!verify_in("correct horse", "not a hash", &mut memory));
        assert!(!verify_in("", &hash, &mut memory));
        // A hash with other parameters (as an older deployment may have stored).
        let params = Params::new(8 * 1024, 3, 1, None).unwrap();
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let other = Argon2::new(Algorithm::Argon2i, Version::V0x10, params)
            .hash_password(b"pw-other", &salt)
            .unwrap()
            .to_string();
        assert!(verify_in("pw-other", &other, &mut memory));
        assert!(!verify_in("pw-othe", &other, &mut memory));
        assert!(verify_in("correct horse", &hash, &mut memory), "memory reused after a resize");
    }
}
