//! What the sync state machine asks of a transport, and what it takes back: one HTTP exchange
//! at a time, as plain values. The phones carry them on their own HTTP stacks (OkHttp or
//! `HttpURLConnection`, `URLSession`) through a callback, so HTTPS uses the platform's trust
//! store; the demo, the tests and the command-line client use `ReqwestTransport`.

use super::protocol::{ErrorBody, PROTOCOL_HEADER, PROTOCOL_VERSION};
use crate::{Error, Result};
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum HttpMethod {
    Get,
    Post,
    Put,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
        }
    }
}

/// One request to make, exactly as given: the full URL, the headers, the body.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct HttpRequest {
    pub method: HttpMethod,
    pub url: String,
    pub headers: Vec<HttpHeader>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
}

/// What came back: any status (the machine judges it) and the whole body.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Carries requests. `Err` means no response came (no connection, a cut, a timeout): the sync
/// treats it as the link's failure and tries again later; nothing is lost.
pub trait Transport: Send + Sync {
    fn send(&self, request: HttpRequest) -> std::result::Result<HttpResponse, String>;
}

impl HttpRequest {
    pub(crate) fn new(method: HttpMethod, url: String, token: &str, body: Vec<u8>) -> HttpRequest {
        let mut headers = vec![HttpHeader { name: PROTOCOL_HEADER.into(), value: PROTOCOL_VERSION.to_string() }];
        if !token.is_empty() {
            headers.push(HttpHeader { name: "authorization".into(), value: format!("Bearer {token}") });
        }
        HttpRequest { method, url, headers, body }
    }

    pub(crate) fn json<T: serde::Serialize>(mut self, value: &T) -> HttpRequest {
        self.body = serde_json::to_vec(value).unwrap_or_default();
        self.headers.push(HttpHeader { name: "content-type".into(), value: "application/json".into() });
        self
    }
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as `T` from a successful answer; a refusal becomes `Error::Refused`.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        self.success()?;
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::Network(format!("the server's answer (HTTP {}) is not what was expected: {e}", self.status))
        })
    }

    /// Ok for a 2xx; otherwise the server's refusal, with its stable code.
    pub(crate) fn success(&self) -> Result<()> {
        if self.is_success() {
            return Ok(());
        }
        let body = self.error_body();
        Err(Error::Refused { status: self.status, code: body.code, message: body.message })
    }

    /// The server's error body, or one made from the status when the body is not one.
    pub(crate) fn error_body(&self) -> ErrorBody {
        serde_json::from_slice(&self.body).unwrap_or(ErrorBody {
            code: "http".into(),
            message: format!("HTTP status {}", self.status),
            refused: Vec::new(),
        })
    }
}
