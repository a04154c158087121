//! Every error leaves the server as a status and a JSON body `{code, message}` whose message
//! says what was wrong.

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
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the server failed; the request can be retried")
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
                Self::new(StatusCode::CONFLICT, "conflict", format!("{what} already exists"))
            }
            other => ApiError::internal(other),
        }
    }
}

/// Core errors caused by the request are 4xx; the rest are the server's.
impl From<xuncha_core::Error> for ApiError {
    fn from(e: xuncha_core::Error) -> Self {
        use xuncha_core::Error as E;
        match e {
            E::NotFound { .. } => ApiError::not_found(e.to_string()),
            E::CorruptChanges(_) => ApiError::bad_request(e.to_string()),
            E::UnknownTemplate { .. }
            | E::UnknownItem { .. }
            | E::WrongAnswerType { .. }
            | E::ItemNotApplicable { .. }
            | E::NotReady(_)
            | E::Invalid { .. } => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.to_string()),
            E::IllegalTransition { .. } => Self::new(StatusCode::CONFLICT, "illegal_transition", e.to_string()),
            other => ApiError::internal(other),
        }
    }
}

/// Parses a JSON body with our error shape instead of the framework's plain-text rejection.
pub fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("the JSON body is not valid: {e}")))
}
