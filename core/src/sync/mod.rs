//! Sync with the server: protocol types shared with the server, a state machine that decides
//! every step and does no network I/O (`session`), and transports at the edge — the phones'
//! own HTTP through a callback, reqwest (feature `reqwest`) for the demo, tests and tools.

#[cfg(feature = "reqwest")]
mod client;
pub mod compression;
mod engine;
mod enroll;
mod facts;
mod http;
pub mod protocol;
mod refusal;
mod report;
mod session;
pub mod snapshot;
mod transition;
pub mod upload_batch;
mod uploads;

#[cfg(feature = "reqwest")]
pub(crate) use client::parse_ca;
#[cfg(feature = "reqwest")]
pub use client::{ReqwestTransport, SyncClient};
pub use engine::{Backoff, Phase, Progress, SyncProgress};
pub use enroll::enroll;
pub use facts::{DocFacts, doc_facts};
pub use http::{HttpHeader, HttpMethod, HttpRequest, HttpResponse, Transport};
pub use refusal::{Refusal, RefusalCode};
pub use report::SyncReport;
pub use session::{PUSH_BATCH_BYTES, SyncAccount, SyncAction, SyncEvent, SyncOptions, SyncSession, run};
pub(crate) use transition::apply_judged;
pub use transition::{MAX_CHANGE_BYTES, MAX_DOCUMENT_BYTES, NewChange, ScopeValues, Transition, transition};
