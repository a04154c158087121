//! Moving changes, with progress reported to the app: sync with the server (enrolment, then
//! push / upload / pull), and a direct store-to-store exchange.

use crate::error::ApiResult;
use crate::store::XunchaStore;
use crate::transport::{AppTransport, HttpTransport};
use std::sync::Arc;
use xuncha_core::SyncStatus;
use xuncha_core::sync::protocol::{RefusedRecord, UserInfo};
use xuncha_core::sync::{Phase, Progress, SyncAccount, SyncOptions, SyncReport, SyncSession};

/// Implemented by the app (Kotlin/Swift) to show sync progress. Called on the syncing thread.
#[uniffi::export(with_foreign)]
pub trait SyncProgress: Send + Sync {
    /// `done` of `total` records in the record phases, bytes in `UploadBytes`. `exchange_with`
    /// reports its sending as `PushRecords` and its receiving as `PullRecords`, in steps (0 or 1
    /// of 1).
    fn on_progress(&self, phase: Phase, done: u64, total: u64);
}

/// What a two-way exchange moved: changes new to the other store, and new to this one.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ExchangeReport {
    pub sent_changes: u64,
    pub received_changes: u64,
}

#[uniffi::export]
impl XunchaStore {
    /// Enrols this device with the sync server at `server_url` using a one-time code from the
    /// admin, over the app's `transport`; the device token is kept in the store. Returns the
    /// account the device now syncs as (sign that officer in). Blocking: call it off the main
    /// thread.
    pub fn enroll(&self, transport: Arc<dyn HttpTransport>, server_url: String, code: String) -> ApiResult<UserInfo> {
        let (_, user) = xuncha_core::sync::enroll(self.store()?, &AppTransport(transport), &server_url, &code)?;
        Ok(user)
    }

    /// One whole sync with the server over the app's `transport`: push records and evidence
    /// metadata, upload evidence bytes (resuming where the server got to), pull what others
    /// did. Blocking, and may take minutes on a slow link: apps call it from a background
    /// worker (WorkManager, BGTaskScheduler), never the main thread. One attempt: on
    /// `ApiError.Network` nothing is lost and the worker retries later; the outcome is recorded
    /// for `sync_status` either way. Concurrent calls on one store run one after the other.
    /// Runs while the app is locked (a background worker shows nothing). A device the console
    /// revoked is wiped here and the error is `ApiError.DeviceRevoked`.
    pub fn sync(&self, transport: Arc<dyn HttpTransport>, progress: Arc<dyn SyncProgress>) -> ApiResult<SyncReport> {
        let _one_at_a_time = self.syncing.lock().unwrap_or_else(|p| p.into_inner());
        let account = SyncAccount::of_store(&self.inner)?;
        let on_progress = |p: Progress| progress.on_progress(p.phase, p.done, p.total);
        let mut session = SyncSession::new(&self.inner, account, SyncOptions::default(), &on_progress);
        Ok(xuncha_core::sync::run(&mut session, &AppTransport(transport))?)
    }

    /// What is waiting to be synced, and how the last sync went.
    pub fn sync_status(&self) -> ApiResult<SyncStatus> {
        Ok(self.store()?.sync_status()?)
    }

    /// Records the server refused, newest first, each with its reason: shown to the officer,
    /// kept, and offered again once the record changes.
    pub fn refused_records(&self) -> ApiResult<Vec<RefusedRecord>> {
        Ok(self.inner.refused_records()?)
    }

    /// Two-way exchange with another store (e.g. a second device's store in tests): afterwards
    /// both hold every change either had. Reports each phase as it completes.
    pub fn exchange_with(&self, other: Arc<XunchaStore>, progress: Arc<dyn SyncProgress>) -> ApiResult<ExchangeReport> {
        let (mine, theirs) = (self.store()?, other.store()?);
        let (my_state, their_state) = (mine.peer_state()?, theirs.peer_state()?);
        progress.on_progress(Phase::PushRecords, 0, 1);
        let sent = theirs.import_changes(&mine.export_changes(&their_state)?)?;
        progress.on_progress(Phase::PushRecords, 1, 1);
        progress.on_progress(Phase::PullRecords, 0, 1);
        let received = mine.import_changes(&theirs.export_changes(&my_state)?)?;
        progress.on_progress(Phase::PullRecords, 1, 1);
        Ok(ExchangeReport { sent_changes: sent.changes_added as u64, received_changes: received.changes_added as u64 })
    }
}
