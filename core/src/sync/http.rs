//! What the sync state machine asks of a transport, and what it takes back: one HTTP exchange
//! at a time, as plain values. The phones carry them on their own HTTP stacks (OkHttp or
//! `HttpURLConnection`, `URLSession`) through a callback, so HTTPS uses the platform's trust
//! store; the demo, the tests and the command-line client use `ReqwestTransport`.

use super::compression::{self, MAX_DECODED_BYTES, ZSTD};
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

/// What came back: any status (the machine judges it), the headers as received (names in any
/// case; `Content-Encoding` tells a zstd body) and the whole body, as it came.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<HttpHeader>,
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

    /// The body sent as zstd (`Content-Encoding: zstd`).
    pub(crate) fn zstd_body(mut self) -> HttpRequest {
        self.body = compression::compress(&self.body);
        self.headers.push(HttpHeader { name: "content-encoding".into(), value: ZSTD.into() });
        self
    }

    /// Asks for the answer as zstd (`Accept-Encoding: zstd`); a server may still answer plain.
    pub(crate) fn accept_zstd(mut self) -> HttpRequest {
        self.headers.push(HttpHeader { name: "accept-encoding".into(), value: ZSTD.into() });
        self
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

fn find<'a>(headers: &'a [HttpHeader], name: &str) -> Option<&'a str> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

impl HttpResponse {
    /// An answer with no headers.
    pub fn new(status: u16, body: Vec<u8>) -> HttpResponse {
        HttpResponse { status, headers: Vec::new(), body }
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// The answer with its body as the server meant it: a zstd body decoded (capped at
    /// `MAX_DECODED_BYTES`), `Content-Encoding` then dropped. A body a stack already decoded
    /// (the header kept, the frame gone) is taken as it is; a coding the sync never asks for
    /// is an error, as a body that does not decode is: the link is treated as having failed.
    pub(crate) fn decoded(mut self) -> Result<HttpResponse> {
        let coding = self.header("content-encoding").map(|v| v.trim().to_ascii_lowercase());
        match coding.as_deref() {
            None | Some("") | Some("identity") => return Ok(self),
            Some(ZSTD) if compression::is_zstd_frame(&self.body) => {
                self.body = compression::decompress(&self.body, MAX_DECODED_BYTES).map_err(|e| {
                    Error::Network(format!("the server's answer (HTTP {}) did not decode: {e}", self.status))
                })?;
            }
            Some(ZSTD) => {}
            Some(other) => {
                return Err(Error::Network(format!(
                    "the server's answer (HTTP {}) is encoded as {other}, which the sync never asks for",
                    self.status
                )));
            }
        }
        self.headers.retain(|h| !h.name.eq_ignore_ascii_case("content-encoding"));
        Ok(self)
    }

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
