//! What one sync did.

#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SyncReport {
    pub pushed_changes: u64,
    pub pushed_evidence: u64,
    pub uploaded_bytes: u64,
    pub pulled_changes: u64,
    /// HTTP requests made, all told.
    pub round_trips: u64,
    /// Of those, push requests and evidence upload requests (batches, chunks, status asks).
    pub push_requests: u64,
    pub upload_requests: u64,
    /// Evidence files the server would not take this time (kept, tried again next sync).
    pub failed_uploads: u64,
    pub upload_errors: Vec<String>,
    /// Records the server refused in this sync (kept on the device, see `Store::refused_records`).
    pub refused_records: u64,
}
