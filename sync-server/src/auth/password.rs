//! Password hashing, and the bounded pool that checks passwords at login.
//!
//! An argon2 check takes ~19 MiB and tens of milliseconds of one core. Checks run on at most
//! `concurrent_checks` blocking threads at once; a few more requests wait briefly for a turn,
//! the rest are told the server is busy. So a flood of logins costs a fixed amount of memory.
//! A username without a password hash is checked against a dummy hash, so that an unknown user
//! takes as long as a known one.

use super::login_limit::LoginPolicy;
use crate::error::ApiError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::http::StatusCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("OS randomness");
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt).map_err(ApiError::internal)?.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Runs password checks on a bounded number of blocking threads.
pub struct PasswordChecks {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    wait: Duration,
    /// Hash of a random secret with the same parameters as real hashes.
    dummy_hash: String,
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
            dummy_hash: hash_password(&super::new_secret(16))?,
        })
    }

    /// The hash to check against when there is no real one (unknown user, no password).
    pub fn dummy_hash(&self) -> &str {
        &self.dummy_hash
    }

    /// Runs `work` on the blocking pool once a check slot is free; refuses with 503 when too
    /// many are already waiting or no slot frees up within the wait.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
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
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(ApiError::internal)?
    }
}
