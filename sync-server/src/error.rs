//! Every error leaves the server as a status and a JSON body `{code, message}`: a stable code
//! for programs and a Chinese message for the officer or supervisor who reads it (what is
//! wrong, what to do). English detail goes to the log, never into `message`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use xuncha_core::sync::protocol::{ErrorBody, RefusedRecord};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// A push refused as a whole: each of its records, and why (the phone marks them).
    pub refused: Vec<RefusedRecord>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), refused: Vec::new() }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn internal(message: impl std::fmt::Display) -> Self {
        tracing::error!(%message, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部出错，本次操作未完成，请稍后重试；如反复出现请联系管理员",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { code: self.code.to_owned(), message: self.message, refused: self.refused };
        (self.status, Json(body)).into_response()
    }
}

impl From<crate::storage::StorageError> for ApiError {
    fn from(e: crate::storage::StorageError) -> Self {
        match e {
            crate::storage::StorageError::Conflict(what) => {
                tracing::info!(what, "conflict");
                Self::new(StatusCode::CONFLICT, "conflict", format!("{what} 已存在，请换一个后重试"))
            }
            other => ApiError::internal(other),
        }
    }
}

/// Core errors caused by the request are 4xx; the rest are the server's.
impl From<xuncha_core::Error> for ApiError {
    fn from(e: xuncha_core::Error) -> Self {
        use xuncha_core::Error as E;
        if !matches!(e, E::Sqlite(_) | E::Io(_) | E::Document(_)) {
            tracing::info!(error = %e, "request refused");
        }
        let zh = e.message_zh();
        match e {
            E::NotFound { .. } => ApiError::not_found(zh),
            // A request body the server cannot decode (a push): the client's, not stored data.
            E::CorruptChanges(_) => {
                ApiError::bad_request("发送的数据格式不正确，无法读取，未保存任何内容；请升级应用后重新同步")
            }
            E::UnknownTemplate { .. }
            | E::UnknownItem { .. }
            | E::WrongAnswerType { .. }
            | E::ItemNotApplicable { .. }
            | E::NotReady(_)
            | E::Invalid { .. } => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", zh),
            E::IllegalTransition { .. } => Self::new(StatusCode::CONFLICT, "illegal_transition", zh),
            other => ApiError::internal(other),
        }
    }
}

/// Parses a JSON body with our error shape instead of the framework's plain-text rejection.
/// serde's English goes to the log; the caller reads where the body went wrong.
pub fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        tracing::info!(error = %e, "a request body was refused");
        let what = match e.classify() {
            serde_json::error::Category::Data => "内容缺少必填项或某项的类型不对",
            _ => "格式不正确或不完整",
        };
        ApiError::bad_request(format!(
            "请求内容{what}（第 {} 行第 {} 列），未做任何修改；请刷新页面或升级应用后重试",
            e.line(),
            e.column()
        ))
    })
}

/// Whether `s` has Chinese in it (a message written for people).
pub fn has_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The Chinese message for a status when the framework, not a handler, answered.
pub fn status_zh(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("bad_request", "请求格式不正确，未做任何修改；请刷新页面或升级应用后重试"),
        401 => ("unauthorized", "尚未登录或登录已失效，请重新登录"),
        403 => ("forbidden", "无权执行此操作"),
        404 => ("not_found", "请求的地址不存在，请检查链接或升级应用"),
        405 => ("method_not_allowed", "此地址不支持该请求方式，请刷新页面或升级应用"),
        408 => ("timeout", "请求超时，请检查网络后重试"),
        413 => ("too_large", "发送的内容超过服务器的大小上限，请减小后重试"),
        415 => ("unsupported_media_type", "请求内容的类型不正确，请刷新页面或升级应用后重试"),
        422 => ("invalid", "请求内容无法处理，请检查后重试"),
        429 => ("rate_limited", "请求过于频繁，请稍后再试"),
        500..=599 => ("internal", "服务器暂时出错，本次操作未完成，请稍后重试"),
        _ => ("bad_request", "请求未被受理，请刷新页面后重试"),
    }
}

/// A case state the caller named that does not exist.
pub fn not_a_case_state(asked: &str) -> String {
    let shown: String = asked.chars().take(32).collect();
    format!("案件环节 {shown} 不存在，请刷新页面后重新选择")
}
