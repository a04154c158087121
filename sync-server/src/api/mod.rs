//! HTTP handlers, one file per area. Handlers run their work on the blocking pool: storage
//! and the replica are synchronous SQLite.

pub mod accounts;
pub mod decisions;
pub mod evidence;
mod snapshots;
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
    if ok {
        return Ok(());
    }
    let shown: String = id.chars().take(64).collect();
    Err(ApiError::bad_request(format!("{}编号 {shown} 无效：编号只能由小写字母、数字和短横线组成", what_zh(what))))
}

/// Chinese names of the things `check_id` checks.
fn what_zh(what: &str) -> &'static str {
    match what {
        "record" | "document" => "记录",
        "inspection" => "检查记录",
        "case" => "案件线索",
        "patrol" => "巡查记录",
        "area" => "举报地区",
        "tracking code" => "查询码",
        _ => "",
    }
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
                ApiError::new(
                    r.status(),
                    "too_large",
                    format!("发送的内容超过 {limit} 字节的上限，未保存任何内容；请分批发送"),
                )
            } else {
                tracing::info!(why = r.body_text(), "a request body could not be read");
                ApiError::new(r.status(), "bad_body", "请求内容未能完整接收，请检查网络后重试")
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
        axum::extract::Path::<T>::from_request_parts(parts, state).await.map(|p| Path(p.0)).map_err(|r| {
            tracing::info!(why = r.body_text(), "a request path was refused");
            ApiError::new(r.status(), "bad_path", "请求地址中有无效的字符，请检查链接后重试")
        })
    }
}

/// Query parameters, refused in the `{code, message}` shape.
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| Query(q.0)).map_err(|r| {
            tracing::info!(why = r.body_text(), "a request query was refused");
            ApiError::new(r.status(), "bad_query", "请求地址中的查询条件无效，请刷新页面后重试")
        })
    }
}
