//! HTTP handlers, one file per area. Handlers run their work on the blocking pool: storage
//! and the replica are synchronous SQLite.

pub mod accounts;
pub mod decisions;
pub mod evidence;
pub mod sync;

use crate::error::ApiError;

/// Runs blocking work off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(ApiError::internal)?
}

/// Ids in paths and bodies: short, lowercase ASCII letters, digits and dashes.
pub fn check_id(what: &str, id: &str) -> Result<(), ApiError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok { Ok(()) } else { Err(ApiError::bad_request(format!("{what} {id:?} is not a valid id"))) }
}
