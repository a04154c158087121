//! Moving changes between stores, with progress reported to the app. For now only a direct
//! store-to-store exchange; server sync joins it here once core has it.

use crate::error::ApiResult;
use crate::records::ExchangeReport;
use crate::store::XunchaStore;
use std::sync::Arc;

/// Implemented by the app (Kotlin/Swift) to show sync progress. Called on the syncing thread.
#[uniffi::export(with_foreign)]
pub trait SyncProgress: Send + Sync {
    /// `phase` names the step ("compare", "send", "receive"); `done` of `total` steps are done.
    fn on_progress(&self, phase: String, done: u64, total: u64);
}

const PHASES: u64 = 3;

#[uniffi::export]
impl XunchaStore {
    /// Two-way exchange with another store (e.g. a second device's store in tests): afterwards
    /// both hold every change either had. Reports each phase as it completes.
    pub fn exchange_with(&self, other: Arc<XunchaStore>, progress: Arc<dyn SyncProgress>) -> ApiResult<ExchangeReport> {
        let (mine, theirs) = (&self.inner, &other.inner);
        progress.on_progress("compare".into(), 0, PHASES);
        let (my_state, their_state) = (mine.peer_state()?, theirs.peer_state()?);
        progress.on_progress("compare".into(), 1, PHASES);
        let sent = theirs.import_changes(&mine.export_changes(&their_state)?)?;
        progress.on_progress("send".into(), 2, PHASES);
        let received = mine.import_changes(&theirs.export_changes(&my_state)?)?;
        progress.on_progress("receive".into(), 3, PHASES);
        Ok(ExchangeReport { sent_changes: sent.changes_added as u64, received_changes: received.changes_added as u64 })
    }
}
