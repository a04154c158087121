//! What a server needs of a core store it keeps as its read model (the replica): the log's
//! entries as typed values with one codec (`entry`), and the store operations in
//! `store/replica.rs` — ingest log entries in order, make a decision as a named author and get
//! back exactly the changes it made, the scope facts of a document after given changes. None
//! of them goes through a phone's sign-in, push or pull bookkeeping.

mod entry;

pub use crate::store::{Ingested, SetAsideEntry};
pub use entry::{EntryKind, LogEntry, Undecodable};
