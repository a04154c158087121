//! xuncha core: everything the field apps do that is not a screen or a sensor.
//!
//! One [`Store`] opened on a directory owns the SQLite database and the evidence folder.
//! Records (inspections, patrols, cases, ledger entries, places) are Automerge documents;
//! projection tables updated in the same transaction serve lists and search.

pub mod bundle;
pub mod crypt;
pub mod doc;
pub mod error;
pub mod evidence;
#[cfg(feature = "ffi")]
mod ffi;
pub mod form;
#[doc(hidden)]
pub mod fuzzing;
pub mod lock;
pub mod model;
pub mod replica;
pub mod store;
pub mod sync;
mod util;

// Core's types on the apps' FFI (see `ffi`).
#[cfg(feature = "ffi")]
uniffi::setup_scaffolding!();

pub use crypt::StoreKey;
pub use error::{Error, Lookup, Result};
pub use evidence::{Capture, EvidenceItem, EvidenceKind, Flag, GpsFix, GpsProvider, VerifyReport};
pub use lock::LockState;
pub use model::*;
pub use store::{
    ImportReport, PeerState, PullApplied, PushBatch, SearchHit, SetAside, SetAsideKind, StepDetails, Store, SyncStatus,
};

/// Hooks for tests of schema upgrades; not part of the app API.
#[doc(hidden)]
pub mod testing {
    use crate::Result;
    use std::path::Path;

    pub const SCHEMA_VERSION: i64 = crate::store::schema::VERSION;

    /// Creates a database at an older schema version, as an older app would have left it.
    pub fn create_database_at(path: &Path, version: i64) -> Result<()> {
        let mut conn = rusqlite::Connection::open(path)?;
        crate::store::schema::migrate_to(&mut conn, version)
    }

    /// The schema as SQLite reports it, and the user version: equal dumps mean equal schemas.
    pub fn schema_dump(path: &Path) -> Result<(i64, Vec<String>)> {
        let conn = rusqlite::Connection::open(path)?;
        let version = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let mut stmt = conn.prepare("SELECT type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name")?;
        let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok((version, rows))
    }

    /// How many decoded documents the store holds in memory (bounded, however much arrives).
    pub fn cached_documents(store: &crate::Store) -> usize {
        store.lock().docs.len()
    }
}
