//! Who is calling: a device token (from enrolment) or a console session (from login).
//! Tokens are random; only their SHA-256 is stored. Passwords are hashed with argon2.

pub mod callers;
pub mod login_limit;
pub mod password;
pub mod sessions;

use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{Device, Role, User};
use axum::http::{HeaderMap, StatusCode};
pub use password::{hash_password, verify_password};
use sessions::Lookup;
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
            Err(ApiError::forbidden(format!("{}无权执行此操作，请由有相应权限的人员办理", self.user.role.label_zh())))
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

/// The token of `Authorization: Bearer …`, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty())
}

/// Identifies the caller from `Authorization: Bearer …`; a revoked device is refused.
pub fn caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let token = bearer(headers).ok_or_else(|| ApiError::unauthorized("尚未登录：请先登录，手机请先完成本机登记"))?;
    let hash = token_hash(token);
    let (user_id, device) = match state.sessions.lookup(&hash) {
        Lookup::Valid { user_id } => (user_id, None),
        Lookup::Expired => {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "session_expired", "登录已过期，请重新登录"));
        }
        Lookup::Unknown => {
            let device = state
                .storage
                .device_by_token(&hash)?
                .ok_or_else(|| ApiError::unauthorized("登录凭证无效或已失效，请重新登录；手机请重新登记本机"))?;
            if device.revoked {
                // A stable code: the phone wipes its store when it sees it (ADR 0013).
                tracing::warn!(device_id = device.device_id, "a revoked device called");
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    xuncha_core::sync::protocol::DEVICE_REVOKED,
                    "本机已被管理员停用，本机数据将被清除；如需继续使用请联系管理员重新登记",
                ));
            }
            (device.user_id, Some(device))
        }
    };
    let user = state.storage.user(user_id)?.ok_or_else(|| ApiError::unauthorized("此账号已不存在，请联系管理员"))?;
    Ok(Caller { user, device })
}
