//! xuncha core: everything the field apps do that is not a screen or a sensor.
//!
//! One [`Store`] opened on a directory owns the SQLite database and the evidence folder.
//! Records (inspections, patrols, cases, ledger entries, places) are Automerge documents;
//! projection tables updated in the same transaction serve lists and search.

pub mod bundle;
pub mod doc;
pub mod error;
pub mod model;
pub mod store;
mod util;

pub use error::{Error, Result};
pub use model::*;
pub use store::{ImportReport, PeerState, SearchHit, StepDetails, Store};
