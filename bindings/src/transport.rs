//! The app's own HTTP stack carries the sync: the app implements [`HttpTransport`] over
//! `HttpURLConnection`/OkHttp (Android) or `URLSession` (iOS), so HTTPS is checked against the
//! platform's trust store and a user-installed or MDM-pushed CA works as for any app. Core's
//! sync state machine decides every request; the transport only carries it.

use std::sync::Arc;
use xuncha_core::sync::{HttpRequest, HttpResponse, Transport};

/// No answer came: no connection, a timeout, a cut. Any exception an implementation throws
/// arrives as `NoAnswer` too, with the exception's text. The sync tries again later.
#[derive(Debug, uniffi::Error)]
pub enum TransportError {
    NoAnswer { reason: String },
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let TransportError::NoAnswer { reason } = self;
        f.write_str(reason)
    }
}

impl std::error::Error for TransportError {}

impl From<uniffi::UnexpectedUniFFICallbackError> for TransportError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TransportError::NoAnswer { reason: crate::signer::callback_reason(&e) }
    }
}

/// Makes one HTTP request exactly as given (method, full URL, headers, body) and returns the
/// answer whatever its status; an error only when no answer came. Called on the syncing thread,
/// one request at a time; blocking is expected.
#[uniffi::export(with_foreign)]
pub trait HttpTransport: Send + Sync {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// Core's transport over the app's.
pub(crate) struct AppTransport(pub(crate) Arc<dyn HttpTransport>);

impl Transport for AppTransport {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        self.0.send(request).map_err(|e| e.to_string())
    }
}
