//! HTTP handlers, one file per area. Handlers run their work on the blocking pool: storage
//! and the replica are synchronous SQLite.

pub mod accounts;
pub mod decisions;
pub mod evidence;
pub mod sync;

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;

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

/// A request body, refused in the `{code, message}` shape like every other error (the
/// framework's own rejection is plain text): over the size limit is a 413 that names it.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(req, state).await.map(Body).map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                let limit = xuncha_core::sync::protocol::MAX_BODY_BYTES;
                ApiError::new(r.status(), "too_large", format!("the body is over the {limit}-byte limit"))
            } else {
                ApiError::new(r.status(), "bad_body", format!("the body could not be read: {}", r.body_text()))
            }
        })
    }
}

/// Path parameters, refused in the `{code, message}` shape (e.g. percent-encoded bytes that
/// are not UTF-8).
pub struct Path<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|r| ApiError::new(r.status(), "bad_path", format!("the URL path is not valid: {}", r.body_text())))
    }
}

/// Query parameters, refused in the `{code, message}` shape.
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| Query(q.0)).map_err(|r| {
            ApiError::new(r.status(), "bad_query", format!("the URL query is not valid: {}", r.body_text()))
        })
    }
}
