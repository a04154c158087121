//! Evidence bytes to the server in few requests: files up to `BATCH_FILE_BYTES` several to a
//! request (`POST /v1/evidence/batch`), larger ones in chunks from the offset the phone last
//! had acknowledged. The server is asked where it got to only after something failed.

use super::SyncReport;
use super::client::{SyncClient, net};
use super::engine::{Phase, Progress, SyncProgress};
use super::protocol::{UPLOAD_CHUNK_BYTES, UploadStatus};
use super::upload_batch::{BATCH_BYTES, BATCH_FILE_BYTES, BatchUploadResponse, MAX_BATCH_FILES, UploadBatch};
use crate::evidence::ContentHash;
use crate::{Error, Result, Store};

/// Tracks bytes done for the progress callback.
struct Tally<'a> {
    progress: &'a dyn SyncProgress,
    done: u64,
    total: u64,
}

impl Tally<'_> {
    fn add(&mut self, bytes: u64) {
        self.done += bytes;
        self.progress.on_progress(Progress { phase: Phase::UploadBytes, done: self.done, total: self.total });
    }
}

impl SyncClient {
    pub(super) fn upload_all(&self, store: &Store, progress: &dyn SyncProgress, report: &mut SyncReport) -> Result<()> {
        let uploads = store.pending_uploads()?;
        let total = uploads.iter().map(|(_, size)| size).sum();
        let mut tally = Tally { progress, done: 0, total };
        tally.add(0);
        let (small, large): (Vec<_>, Vec<_>) =
            uploads.into_iter().partition(|(_, size)| self.batch_uploads && *size <= BATCH_FILE_BYTES);
        let mut alone = large;
        let mut batch = UploadBatch::default();
        let mut batch_bytes = 0;
        for (hash, size) in small {
            let full = batch.files.len() == MAX_BATCH_FILES || batch_bytes + size as usize > BATCH_BYTES;
            if !batch.files.is_empty() && full {
                alone.extend(self.send_batch(store, std::mem::take(&mut batch), report, &mut tally)?);
                batch_bytes = 0;
            }
            match store.evidence_bytes(&hash) {
                Ok(bytes) => {
                    batch_bytes += size as usize;
                    batch.files.push((hash, bytes));
                }
                // A file this phone cannot read back is reported, not a reason to stop.
                Err(e) => {
                    report.failed_uploads += 1;
                    report.upload_errors.push(format!("{hash}: {e}"));
                }
            }
        }
        if !batch.files.is_empty() {
            alone.extend(self.send_batch(store, batch, report, &mut tally)?);
        }
        for (hash, size) in alone {
            match self.upload_file(store, &hash, size, report, &mut tally) {
                // One file the server will not take (yet) does not hold back the others; it
                // stays pending for the next sync.
                Err(e) if !e.is_transient() => {
                    report.failed_uploads += 1;
                    report.upload_errors.push(format!("{hash}: {e}"));
                }
                other => other?,
            }
        }
        Ok(())
    }

    /// One batch; returns the files the server did not complete, to send on their own.
    fn send_batch(
        &self,
        store: &Store,
        batch: UploadBatch,
        report: &mut SyncReport,
        tally: &mut Tally<'_>,
    ) -> Result<Vec<(ContentHash, u64)>> {
        let request = self.authed(self.http.post(format!("{}/v1/evidence/batch", self.base))).body(batch.encode());
        let answer: BatchUploadResponse = self.send(request)?.json().map_err(net)?;
        report.round_trips += 1;
        report.upload_requests += 1;
        let mut left = Vec::new();
        for (hash, bytes) in batch.files {
            let done = answer.files.iter().any(|f| f.complete && f.content_hash == hash.as_str());
            if done {
                store.mark_uploaded(&hash)?;
                report.uploaded_bytes += bytes.len() as u64;
                tally.add(bytes.len() as u64);
            } else {
                left.push((hash, bytes.len() as u64));
            }
        }
        Ok(left)
    }

    /// One file in chunks, from the offset this phone last had acknowledged; the server's
    /// offset is asked for only when a chunk is refused (or when not batching, as before).
    fn upload_file(
        &self,
        store: &Store,
        hash: &ContentHash,
        size: u64,
        report: &mut SyncReport,
        tally: &mut Tally<'_>,
    ) -> Result<()> {
        let url = format!("{}/v1/evidence/{hash}/upload", self.base);
        let bytes = store.evidence_bytes(hash)?;
        let mut known = if self.batch_uploads { Some(store.upload_offset(hash)?) } else { None };
        let mut asked = false;
        loop {
            let offset = match known {
                Some(offset) => offset,
                None => {
                    report.round_trips += 1;
                    report.upload_requests += 1;
                    asked = true;
                    let status: UploadStatus = self.send(self.authed(self.http.get(&url)))?.json().map_err(net)?;
                    if status.complete {
                        break;
                    }
                    status.offset
                }
            };
            let from = usize::try_from(offset).ok().filter(|o| *o < bytes.len()).ok_or_else(|| stuck(hash, offset))?;
            let to = (from + UPLOAD_CHUNK_BYTES).min(bytes.len());
            let chunk = bytes.get(from..to).unwrap_or_default().to_vec();
            report.round_trips += 1;
            report.upload_requests += 1;
            match self.send(self.authed(self.http.put(format!("{url}?offset={from}"))).body(chunk)) {
                Ok(response) => {
                    let status: UploadStatus = response.json().map_err(net)?;
                    report.uploaded_bytes += (to - from) as u64;
                    store.set_upload_offset(hash, status.offset)?;
                    if status.complete {
                        break;
                    }
                    known = Some(status.offset);
                }
                // Not where the server is (a lost reply, an upload restarted): ask, once.
                Err(Error::Refused { status: 409 | 422, .. }) if !asked => known = None,
                Err(e) => return Err(e),
            }
        }
        store.mark_uploaded(hash)?;
        tally.add(size);
        Ok(())
    }
}

fn stuck(hash: &ContentHash, offset: u64) -> Error {
    Error::Refused {
        status: 409,
        code: "upload_stuck".into(),
        message: format!("the server holds {offset} bytes of {hash} but did not complete it"),
    }
}
