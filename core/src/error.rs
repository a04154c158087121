//! One rich error type for the core. The FFI layer collapses it to a few cases; messages here
//! say what was wrong and never carry personal data beyond record and item ids.

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
    ChangeRefused { doc_id: String, code: &'static str, why: String },
    #[error("a {role} does not work on {kind} records")]
    RoleForbidden { role: crate::Role, kind: crate::RecordKind },
    #[error("no officer is signed in on this device")]
    NotSignedIn,
    #[error("invalid {field}: {why}")]
    Invalid { field: &'static str, why: String },
    #[error("the server cannot be reached: {0}")]
    Network(String),
    #[error("the server refused the request ({status}): {message}")]
    Refused { status: u16, code: String, message: String },
    #[error("this device is not enrolled with a server")]
    NotEnrolled,
    #[error("the database was written by a newer app (schema {found}, this app knows up to {supported})")]
    SchemaTooNew { found: i64, supported: i64 },
}

impl Error {
    /// Worth retrying later: the link, not the request, was the problem.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Network(_))
            || matches!(self, Error::Refused { status, .. } if *status >= 500 || *status == 429)
    }

    pub(crate) fn invalid(field: &'static str, why: impl Into<String>) -> Self {
        Error::Invalid { field, why: why.into() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
