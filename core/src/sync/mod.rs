//! Sync with the server: protocol types shared with the server, an engine that decides what
//! to send and does no I/O, and the HTTP transport at the edge.

mod client;
mod engine;
mod facts;
pub mod protocol;
mod refusal;
mod transition;
pub mod upload_batch;
mod uploads;

pub(crate) use client::parse_ca;
pub use client::{SyncClient, SyncReport};
pub use engine::{Backoff, Phase, Progress, SyncProgress};
pub use facts::{DocFacts, doc_facts};
pub use refusal::{Refusal, RefusalCode};
pub(crate) use transition::apply_judged;
pub use transition::{MAX_CHANGE_BYTES, MAX_DOCUMENT_BYTES, NewChange, ScopeValues, Transition, transition};
