//! One rich error type for the core. The FFI layer collapses it to a few cases. Each error has
//! a stable `code()`, an English `Display` for logs and a Chinese `message_zh()` for the
//! officer or supervisor (`zh.rs`); none carries personal data beyond record and item ids.

mod zh;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("document error: {0}")]
    Document(#[from] automerge::AutomergeError),
    #[error("{kind} {id} was not found")]
    NotFound { kind: &'static str, id: String },
    #[error("checklist template {id} version {version} is not known to this store")]
    UnknownTemplate { id: String, version: u32 },
    #[error("checklist item {item} is not in template {template} version {version}")]
    UnknownItem { item: String, template: String, version: u32 },
    #[error("checklist item {item} expects {expected}, but got {got}")]
    WrongAnswerType { item: String, expected: &'static str, got: &'static str },
    #[error("checklist item {item} does not apply to this inspection: {why}")]
    ItemNotApplicable { item: String, why: String },
    #[error("a case in state {from} cannot move to {to}; allowed next: {allowed}")]
    IllegalTransition { from: &'static str, to: &'static str, allowed: String },
    #[error("the inspection cannot be concluded yet: {0}")]
    NotReady(String),
    #[error("the change data cannot be read: {0}")]
    CorruptChanges(String),
    /// Changes from elsewhere broke a rule (forged author, missing dependencies, a record's kind
    /// changed…); nothing was stored.
    #[error("changes to {doc_id} were refused ({code}): {why}")]
    ChangeRefused { doc_id: String, code: crate::sync::RefusalCode, why: String },
    #[error("a {role} does not work on {kind} records")]
    RoleForbidden { role: crate::Role, kind: crate::RecordKind },
    #[error("no officer is signed in on this device")]
    NotSignedIn,
    /// `field` names what was wrong for logs; `why` is the Chinese sentence the officer reads
    /// (every `Error::invalid` call writes it in Chinese: a test checks the sources).
    /// `detail` keeps a library's own words for logs (empty when there are none).
    #[error("invalid {field}: {why}{}", if detail.is_empty() { String::new() } else { format!(" ({detail})") })]
    Invalid { field: &'static str, why: String, detail: String },
    #[error("the server cannot be reached: {0}")]
    Network(String),
    #[error("the server refused the request ({status}): {message}")]
    Refused { status: u16, code: String, message: String },
    #[error("this device is not enrolled with a server")]
    NotEnrolled,
    /// The platform key store holding the device key failed or gave a bad key or signature;
    /// `why` is Chinese, as for `Invalid`. Nothing was stored.
    #[error("the device key store failed: {why}")]
    KeyStore { why: String },
    #[error("the database was written by a newer app (schema {found}, this app knows up to {supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    /// The store key does not open the database (or an encrypted store was opened without one).
    #[error("the store key does not open this store")]
    StoreKeyWrong,
    /// The app is locked after idle or on request: unlock with the PIN or biometrics first.
    #[error("the app is locked")]
    AppLocked,
    /// A wrong PIN; `wait_ms` > 0 once too many were wrong.
    #[error("wrong PIN (next attempt in {wait_ms} ms)")]
    PinWrong { wait_ms: i64 },
    /// Too many wrong PINs: no attempt is checked until the wait is over.
    #[error("too many wrong PINs: wait {wait_ms} ms")]
    PinBackoff { wait_ms: i64 },
    /// The console revoked this device: its store was wiped at the server's answer, and the
    /// store object refuses everything after.
    #[error("the console revoked this device; its store was wiped")]
    DeviceRevoked,
}

impl Error {
    /// Worth retrying later: the link, not the request, was the problem.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Network(_))
            || matches!(self, Error::Refused { status, .. } if *status >= 500 || *status == 429)
    }

    /// A stable code for apps and logs; never changes once published.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Sqlite(_) | Error::Io(_) => "storage",
            Error::Document(_) | Error::CorruptChanges(_) => "corrupt",
            Error::NotFound { .. } | Error::UnknownTemplate { .. } => "not_found",
            Error::UnknownItem { .. }
            | Error::WrongAnswerType { .. }
            | Error::ItemNotApplicable { .. }
            | Error::Invalid { .. } => "invalid",
            Error::IllegalTransition { .. } => "illegal_transition",
            Error::NotReady(_) => "not_ready",
            Error::ChangeRefused { .. } => "change_refused",
            Error::RoleForbidden { .. } => "role_forbidden",
            Error::NotSignedIn => "not_signed_in",
            Error::Network(_) => "network",
            Error::Refused { .. } => "refused",
            Error::NotEnrolled => "not_enrolled",
            Error::KeyStore { .. } => "key_store",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::StoreKeyWrong => "store_key_wrong",
            Error::AppLocked => "app_locked",
            Error::PinWrong { .. } => "pin_wrong",
            Error::PinBackoff { .. } => "pin_backoff",
            Error::DeviceRevoked => "device_revoked",
        }
    }

    /// `why` is Chinese: it is what the officer reads.
    pub(crate) fn invalid(field: &'static str, why: impl Into<String>) -> Self {
        Error::Invalid { field, why: why.into(), detail: String::new() }
    }

    /// Like `invalid`, keeping the library's error for logs only.
    pub(crate) fn invalid_because(field: &'static str, why: &str, detail: impl std::fmt::Display) -> Self {
        Error::Invalid { field, why: why.to_owned(), detail: detail.to_string() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A lookup that tells "absent" from "failed": not-found becomes `None`, every other error stays
/// an error (a storage failure must never read as "no such record").
pub trait Lookup<T> {
    fn absent_as_none(self) -> Result<Option<T>>;
}

impl<T> Lookup<T> for Result<T> {
    fn absent_as_none(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NotFound { .. } | Error::UnknownTemplate { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
