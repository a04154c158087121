//! Everything the server keeps, behind one small trait so that a PostgreSQL backend can follow
//! the embedded SQLite one. `conformance` is the suite every backend must pass.

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
mod sqlite;

pub use sqlite::SqliteStorage;

use serde::{Deserialize, Serialize};
pub use xuncha_core::doc::ChangeSignature;

pub type StorageResult<T> = Result<T, StorageError>;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("storage error: {0}")]
    Backend(String),
    /// What already exists, in Chinese: the caller reads it.
    #[error("{0} already exists")]
    Conflict(String),
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::Backend(e.to_string())
    }
}

/// Roles and what each works on are core's, shared with the phones.
pub use xuncha_core::Role;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: Role,
    pub jurisdiction_id: String,
    pub department: String,
    pub cert_no: String,
    /// argon2 PHC string; None for field staff who only use enrolled devices.
    #[serde(skip)]
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub username: String,
    pub name: String,
    pub role: Role,
    pub jurisdiction_id: String,
    pub department: String,
    pub cert_no: String,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub device_id: String,
    pub user_id: i64,
    pub public_key: String,
    pub revoked: bool,
}

/// What scope checks need of a document, kept beside the log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocMeta {
    pub doc_id: String,
    /// None until the document's first change (which names its kind) has arrived.
    pub kind: Option<xuncha_core::RecordKind>,
    pub jurisdiction_id: Option<String>,
    pub members: Vec<String>,
}

/// The log's entries are core's typed values, with core's one codec for their stored form.
pub use xuncha_core::replica::{EntryKind, LogEntry, Undecodable};

/// One entry of the ordered log that pulls read, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    pub seq: u64,
    /// The device that pushed it ("server" for decisions): never echoed back to it.
    pub origin: String,
    /// The record it belongs to, known even when the entry does not decode.
    pub doc_id: String,
    /// The entry, or why its stored form does not decode (it can then only be set aside).
    pub entry: Result<LogEntry, Undecodable>,
}

/// An entry to append; its key (`LogEntry::key`) makes appends idempotent.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub origin: String,
    pub entry: LogEntry,
}

/// What one accepted push writes; see `ServerStorage::append_push`.
#[derive(Debug, Clone, Copy)]
pub struct Push<'a> {
    pub device_id: &'a str,
    pub entries: &'a [NewEntry],
    pub docs: &'a [DocMeta],
    /// Evidence bytes to expect: (content hash, size).
    pub blobs: &'a [(String, u64)],
    /// Documents the device made: it has their whole history.
    pub created: &'a [String],
    /// The device chain positions its new evidence entries take.
    pub chain: &'a [ChainLink],
}

/// One link of a device's evidence chain: the entry at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLink {
    pub device_id: String,
    pub chain_seq: u64,
    pub entry_hash: String,
}

/// What a device's pull may see, as data a backend queries with (`scope::pull_scope` builds it
/// from the same rules as `scope::can_read`).
#[derive(Debug, Clone, PartialEq)]
pub struct PullScope {
    /// The pulling device: what it pushed is never echoed back to it.
    pub device_id: String,
    /// The jurisdiction nodes of the caller's subtree; None: every document (admins).
    pub nodes: Option<Vec<String>>,
    /// Kinds the caller sees every one of in those nodes.
    pub all_kinds: Vec<xuncha_core::RecordKind>,
    /// Kinds the caller sees only when `member` is on the record's team.
    pub member_kinds: Vec<xuncha_core::RecordKind>,
    /// How records name the caller among their members.
    pub member: String,
}

/// One page of a pull: the visible entries after a cursor and where the page ends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullPage {
    pub entries: Vec<Logged>,
    /// The log position the page covers up to (entries not visible to the caller included).
    pub cursor: u64,
    /// Whether the log holds more after `cursor`.
    pub more: bool,
}

/// How redeeming an enrolment code ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redemption {
    /// The device is enrolled for this user, with the new token and key.
    Enrolled { user_id: i64 },
    /// The code is unknown, used or expired.
    InvalidCode,
    /// The device id belongs to another user; nothing changed and the code is still unused.
    DeviceOfAnotherUser,
}

/// A log entry the replica could not apply: kept in the log, never sent in pulls.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAsideEntry {
    pub seq: u64,
    pub origin: String,
    pub doc_id: String,
    pub kind: EntryKind,
    pub hash: String,
    pub reason: String,
    pub at_ms: i64,
}

/// An evidence item's integrity as verified once, when its bytes arrived (`api/evidence.rs`):
/// what the console shows, without reading the bytes again.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceCheck {
    pub entry_hash: String,
    /// The checks that failed; none: verified.
    pub failed: Vec<xuncha_core::evidence::Check>,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Blob {
    pub content_hash: String,
    pub size: u64,
    /// Bytes received so far.
    pub received: u64,
    pub complete: bool,
}

pub trait ServerStorage: Send + Sync {
    fn create_user(&self, user: &NewUser) -> StorageResult<User>;
    fn user(&self, id: i64) -> StorageResult<Option<User>>;
    fn user_by_username(&self, username: &str) -> StorageResult<Option<User>>;
    fn users(&self) -> StorageResult<Vec<User>>;

    /// A one-time code (stored hashed) that enrols one device for `user_id` until `expires_ms`.
    fn create_enrollment(&self, code_hash: &str, user_id: i64, expires_ms: i64) -> StorageResult<()>;
    /// Uses the code once: records the device, its token (hashed) and its key (added to the
    /// device's key history). A device id belongs to the user who first enrolled it: another
    /// user's code is refused for it and stays unused; the same user gets a new token (a
    /// revoked device is reinstated).
    fn redeem_enrollment(
        &self,
        code_hash: &str,
        device: &Device,
        token_hash: &str,
        now_ms: i64,
    ) -> StorageResult<Redemption>;
    fn device_by_token(&self, token_hash: &str) -> StorageResult<Option<Device>>;
    fn device(&self, device_id: &str) -> StorageResult<Option<Device>>;
    fn devices(&self) -> StorageResult<Vec<Device>>;
    /// False if no such device.
    fn revoke_device(&self, device_id: &str) -> StorageResult<bool>;
    /// Every public key the device has enrolled with, oldest first: old evidence stays
    /// verifiable after the device enrols again with a new key.
    fn device_keys(&self, device_id: &str) -> StorageResult<Vec<String>>;

    /// Appends entries not yet present (by hash) and updates document metadata, atomically.
    /// Returns how many entries were new.
    fn append(&self, entries: &[NewEntry], docs: &[DocMeta]) -> StorageResult<u64>;
    /// Everything a device's push stores, in one transaction: its entries and document
    /// metadata (as `append`), the evidence bytes it announces, the documents it created and
    /// the chain positions its evidence takes. A crash can therefore never leave announced
    /// evidence without its upload record. A chain position already held by another entry
    /// is a `Conflict` and nothing is stored.
    fn append_push(&self, push: &Push<'_>) -> StorageResult<u64>;
    /// Entries after `cursor`, oldest first, at most `limit`; set-aside entries are left out.
    fn entries_after(&self, cursor: u64, limit: usize) -> StorageResult<Vec<Logged>>;
    /// Every entry of one document, oldest first; set-aside entries are left out.
    fn doc_entries(&self, doc_id: &str) -> StorageResult<Vec<Logged>>;
    /// The entries after `cursor` that `scope` may see, oldest first, read through an index of
    /// documents by scope (never every entry of the log with its bytes): at most `limit`
    /// entries and about `max_bytes` of entry bytes (at least one entry). Set-aside entries and
    /// the device's own are left out.
    fn visible_after(&self, cursor: u64, scope: &PullScope, limit: usize, max_bytes: usize) -> StorageResult<PullPage>;
    /// The entries of `doc_ids` up to `until`, oldest first, except those `origin` pushed;
    /// set-aside entries are left out.
    fn doc_histories(&self, doc_ids: &[String], until: u64, origin: &str) -> StorageResult<Vec<Logged>>;
    /// Whether the log holds an entry with this hash (set aside or not).
    fn has_entry(&self, hash: &str) -> StorageResult<bool>;
    /// The last link of a device's evidence chain the log holds.
    fn chain_tip(&self, device_id: &str) -> StorageResult<Option<ChainLink>>;
    /// The entry hash at a position of a device's chain, if the log holds one.
    fn chain_link(&self, device_id: &str, chain_seq: u64) -> StorageResult<Option<String>>;
    /// Marks a log entry the replica cannot apply: it stays in the log with the reason but is
    /// no longer returned by `entries_after` or `doc_entries`.
    fn set_aside(&self, seq: u64, reason: &str, at_ms: i64) -> StorageResult<()>;
    /// Every set-aside entry, oldest first.
    fn set_aside_entries(&self) -> StorageResult<Vec<SetAsideEntry>>;
    fn doc_meta(&self, doc_id: &str) -> StorageResult<Option<DocMeta>>;
    fn last_seq(&self) -> StorageResult<u64>;

    /// Of `doc_ids`, those whose whole history the device has: sent in a pull answer it has
    /// since confirmed (by pulling with a cursor at or past that answer's), or created by it.
    fn device_has_docs(&self, device_id: &str, doc_ids: &[String], cursor: u64) -> StorageResult<Vec<String>>;
    /// Records that the whole history of `doc_ids` went to the device in the answer ending at
    /// `at_cursor` (0: the device made them). A backend may write it after returning (group
    /// commit, off the request path): `device_has_docs` sees it at once all the same, and one
    /// lost in a crash only means those histories are sent again.
    fn mark_device_docs(&self, device_id: &str, doc_ids: &[String], at_cursor: u64) -> StorageResult<()>;

    /// Evidence bytes: registered when the signed metadata arrives, filled by uploads.
    fn register_blob(&self, content_hash: &str, size: u64) -> StorageResult<()>;
    fn blob(&self, content_hash: &str) -> StorageResult<Option<Blob>>;
    fn set_blob_progress(&self, content_hash: &str, received: u64, complete: bool) -> StorageResult<()>;

    /// Keeps the verification of evidence items, replacing an earlier one of the same item.
    fn set_evidence_checks(&self, checks: &[EvidenceCheck]) -> StorageResult<()>;
    fn evidence_check(&self, entry_hash: &str) -> StorageResult<Option<EvidenceCheck>>;
}
