//! Who is calling: a device token (from enrolment) or a console session (from login).
//! Tokens are random; only their SHA-256 is stored. Passwords are hashed with argon2.

use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{Device, Role, User};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

pub struct Caller {
    pub user: User,
    /// The enrolled device, when the call comes from a phone.
    pub device: Option<Device>,
}

impl Caller {
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("a {} may not do this", self.user.role.as_str())))
        }
    }
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn new_secret(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).expect("OS randomness");
    hex::encode(b)
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("OS randomness");
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt).map_err(ApiError::internal)?.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Identifies the caller from `Authorization: Bearer …`; a revoked device is refused.
pub fn caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("no bearer token: enrol the device or log in"))?;
    let hash = token_hash(token);
    let session_user = state.sessions.lock().unwrap_or_else(|p| p.into_inner()).get(&hash).copied();
    let (user_id, device) = match session_user {
        Some(id) => (id, None),
        None => {
            let device = state
                .storage
                .device_by_token(&hash)?
                .ok_or_else(|| ApiError::unauthorized("the token is not valid"))?;
            if device.revoked {
                return Err(ApiError::unauthorized(format!("device {} was revoked; enrol it again", device.device_id)));
            }
            (device.user_id, Some(device))
        }
    };
    let user = state.storage.user(user_id)?.ok_or_else(|| ApiError::unauthorized("the account no longer exists"))?;
    Ok(Caller { user, device })
}
