//! The upload part of the sync state machine: evidence bytes to the server in few requests.
//! Files up to `BATCH_FILE_BYTES` go several to a request (`POST /v1/evidence/batch`), larger
//! ones in chunks read from the file one at a time, from the offset the phone last had
//! acknowledged. The server is asked where it got to only after something failed.

use super::SyncReport;
use super::engine::{Phase, Progress, SyncProgress};
use super::http::{HttpMethod, HttpRequest, HttpResponse};
use super::protocol::{UPLOAD_CHUNK_BYTES, UploadStatus};
use super::session::SyncAccount;
use super::upload_batch::{BATCH_BYTES, BatchUploadResponse, MAX_BATCH_FILES, UploadBatch};
use crate::evidence::ContentHash;
use crate::{Error, Result, Store};
use std::collections::VecDeque;

pub(super) struct Uploads {
    /// Files that travel in batches, in order.
    small: VecDeque<(ContentHash, u64)>,
    /// Files that travel on their own (large ones, and any a batch did not complete).
    alone: VecDeque<(ContentHash, u64)>,
    /// The file being sent on its own.
    current: Option<FileUpload>,
    /// The request in flight.
    in_flight: InFlight,
    batch_uploads: bool,
    done: u64,
    total: u64,
}

struct FileUpload {
    hash: ContentHash,
    size: u64,
    /// Where to go on from; `None`: ask the server.
    known: Option<u64>,
    /// The server was asked already: a second refusal is not a lost reply.
    asked: bool,
}

enum InFlight {
    Nothing,
    Batch(Vec<(ContentHash, u64)>),
    Status,
    Chunk { len: u64 },
}

impl Uploads {
    /// `batch_file_bytes`: files up to this size go in batches; None: every file on its own.
    pub(super) fn plan(store: &Store, batch_file_bytes: Option<u64>, progress: &dyn SyncProgress) -> Result<Uploads> {
        let pending = store.pending_uploads()?;
        let total = pending.iter().map(|(_, size)| size).sum();
        let batch_uploads = batch_file_bytes.is_some();
        let (small, alone) =
            pending.into_iter().partition(|(_, size)| batch_file_bytes.is_some_and(|max| *size <= max));
        progress.on_progress(Progress { phase: Phase::UploadBytes, done: 0, total });
        Ok(Uploads { small, alone, current: None, in_flight: InFlight::Nothing, batch_uploads, done: 0, total })
    }

    /// The next upload request, or `None` when every file was sent or given up for this sync.
    pub(super) fn next_request(
        &mut self,
        store: &Store,
        account: &SyncAccount,
        report: &mut SyncReport,
    ) -> Result<Option<HttpRequest>> {
        if let Some(batch) = self.next_batch(store, report) {
            let hashes = batch.files.iter().map(|(h, b)| (h.clone(), b.len() as u64)).collect();
            self.in_flight = InFlight::Batch(hashes);
            return Ok(Some(
                self.counted(report, account.request(HttpMethod::Post, "/v1/evidence/batch", batch.encode())),
            ));
        }
        loop {
            if self.current.is_none() {
                let Some((hash, size)) = self.alone.pop_front() else { return Ok(None) };
                let known = if self.batch_uploads { Some(store.upload_offset(&hash)?) } else { None };
                self.current = Some(FileUpload { hash, size, known, asked: false });
            }
            let Some(file) = self.current.as_mut() else { continue };
            let url = format!("/v1/evidence/{}/upload", file.hash);
            let Some(from) = file.known else {
                file.asked = true;
                self.in_flight = InFlight::Status;
                return Ok(Some(self.counted(report, account.request(HttpMethod::Get, &url, Vec::new()))));
            };
            match chunk(store, file, from) {
                Ok(bytes) => {
                    self.in_flight = InFlight::Chunk { len: bytes.len() as u64 };
                    let request = account.request(HttpMethod::Put, &format!("{url}?offset={from}"), bytes);
                    return Ok(Some(self.counted(report, request)));
                }
                Err(e) => self.give_up(report, e)?,
            }
        }
    }

    /// Takes the answer to the request in flight.
    pub(super) fn answer(
        &mut self,
        store: &Store,
        response: &HttpResponse,
        report: &mut SyncReport,
        progress: &dyn SyncProgress,
    ) -> Result<()> {
        match std::mem::replace(&mut self.in_flight, InFlight::Nothing) {
            InFlight::Nothing => Ok(()),
            InFlight::Batch(files) => {
                let answer: BatchUploadResponse = response.json()?;
                for (hash, size) in files {
                    if answer.files.iter().any(|f| f.complete && f.content_hash == hash.as_str()) {
                        store.mark_uploaded(&hash)?;
                        report.uploaded_bytes += size;
                        self.add(size, progress);
                    } else {
                        self.alone.push_back((hash, size));
                    }
                }
                Ok(())
            }
            InFlight::Status => {
                let answer = response.json::<UploadStatus>();
                match answer {
                    Ok(status) if status.complete => self.finish(store, progress),
                    Ok(status) => {
                        self.set_known(Some(status.offset));
                        Ok(())
                    }
                    Err(e) => self.give_up(report, e),
                }
            }
            InFlight::Chunk { len } => {
                let asked = self.current.as_ref().is_some_and(|f| f.asked);
                match response.json::<UploadStatus>() {
                    Ok(status) => {
                        report.uploaded_bytes += len;
                        if let Some(file) = &self.current {
                            store.set_upload_offset(&file.hash, status.offset)?;
                        }
                        if status.complete {
                            return self.finish(store, progress);
                        }
                        self.set_known(Some(status.offset));
                        Ok(())
                    }
                    // Not where the server is (a lost reply, an upload restarted): ask, once.
                    Err(Error::Refused { status: 409 | 422, .. }) if !asked => {
                        self.set_known(None);
                        Ok(())
                    }
                    Err(e) => self.give_up(report, e),
                }
            }
        }
    }

    /// Small files, read whole, up to the batch's size and count. A file this phone cannot
    /// read back is reported, not a reason to stop.
    fn next_batch(&mut self, store: &Store, report: &mut SyncReport) -> Option<UploadBatch> {
        let mut batch = UploadBatch::default();
        let mut bytes = 0;
        while let Some((hash, size)) = self.small.pop_front() {
            let full = batch.files.len() == MAX_BATCH_FILES || bytes + size as usize > BATCH_BYTES;
            if !batch.files.is_empty() && full {
                self.small.push_front((hash, size));
                break;
            }
            match store.evidence_bytes(&hash) {
                Ok(content) => {
                    bytes += content.len();
                    batch.files.push((hash, content));
                }
                Err(e) => {
                    report.failed_uploads += 1;
                    report.upload_errors.push(format!("{hash}: {e}"));
                }
            }
        }
        (!batch.files.is_empty()).then_some(batch)
    }

    fn counted(&self, report: &mut SyncReport, request: HttpRequest) -> HttpRequest {
        report.round_trips += 1;
        report.upload_requests += 1;
        request
    }

    fn set_known(&mut self, offset: Option<u64>) {
        if let Some(file) = self.current.as_mut() {
            file.known = offset;
        }
    }

    fn finish(&mut self, store: &Store, progress: &dyn SyncProgress) -> Result<()> {
        if let Some(file) = self.current.take() {
            store.mark_uploaded(&file.hash)?;
            self.add(file.size, progress);
        }
        Ok(())
    }

    /// One file the server will not take (yet) does not hold back the others: it stays
    /// pending for the next sync. The link's failures end this sync (and are retried).
    fn give_up(&mut self, report: &mut SyncReport, e: Error) -> Result<()> {
        if e.is_transient() {
            return Err(e);
        }
        if let Some(file) = self.current.take() {
            report.failed_uploads += 1;
            report.upload_errors.push(format!("{}: {e}", file.hash));
        }
        Ok(())
    }

    fn add(&mut self, bytes: u64, progress: &dyn SyncProgress) {
        self.done += bytes;
        progress.on_progress(Progress { phase: Phase::UploadBytes, done: self.done, total: self.total });
    }
}

/// The next chunk of `file` from `from`: only that much is read from the file.
fn chunk(store: &Store, file: &FileUpload, from: u64) -> Result<Vec<u8>> {
    if from >= file.size {
        return Err(Error::Refused {
            status: 409,
            code: "upload_stuck".into(),
            message: format!("the server holds {from} bytes of {} but did not complete it", file.hash),
        });
    }
    let len = (file.size - from).min(UPLOAD_CHUNK_BYTES as u64);
    store.evidence_chunk(&file.hash, from, len)
}
