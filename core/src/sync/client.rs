//! The HTTP transport: a thin adapter that carries what the store hands it. Blocking on
//! purpose: apps call `sync` from a background worker (WorkManager, BGTaskScheduler), and the
//! core need not host an async runtime.

use super::engine::{Backoff, Phase, Progress, SyncProgress};
use super::protocol::{
    DEVICE_REVOKED, EnrollRequest, EnrollResponse, ErrorBody, PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse,
    PushResponse, UPLOAD_CHUNK_BYTES, UploadStatus, UserInfo,
};
use crate::util::now_ms;
use crate::{Error, Result, Store};
use reqwest::blocking::{Client, RequestBuilder, Response};
use std::time::Duration;

/// Most bytes of changes in one push request.
const PUSH_BATCH_BYTES: usize = 4 * 1024 * 1024;

pub struct SyncClient {
    base: String,
    token: String,
    http: Client,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    pub pushed_changes: u64,
    pub pushed_evidence: u64,
    pub uploaded_bytes: u64,
    pub pulled_changes: u64,
    /// HTTP requests made.
    pub round_trips: u64,
}

/// Parses a CA certificate (PEM) the device is told to trust.
pub(crate) fn parse_ca(pem: &str) -> Result<Vec<reqwest::Certificate>> {
    let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
        .map_err(|e| Error::invalid("trusted CA", format!("it is not a PEM certificate: {e}")))?;
    if certs.is_empty() {
        return Err(Error::invalid("trusted CA", "the PEM holds no certificate"));
    }
    Ok(certs)
}

impl SyncClient {
    pub fn new(base: &str, token: &str) -> Result<SyncClient> {
        Self::with_trusted_ca(base, token, None)
    }

    /// A client that trusts only `ca_pem` (when given) instead of the platform's trust store.
    pub fn with_trusted_ca(base: &str, token: &str, ca_pem: Option<&str>) -> Result<SyncClient> {
        let mut builder = Client::builder().connect_timeout(Duration::from_secs(10)).timeout(Duration::from_secs(60));
        if let Some(pem) = ca_pem {
            builder = builder.tls_certs_only(parse_ca(pem)?);
        }
        let http = builder.build().map_err(|e| Error::Network(e.to_string()))?;
        Ok(SyncClient { base: base.trim_end_matches('/').to_owned(), token: token.to_owned(), http })
    }

    /// The client for the account this store enrolled with (and the CA it was told to trust).
    pub fn for_store(store: &Store) -> Result<SyncClient> {
        store.refuse_if_wiped()?;
        let (base, token) = store.sync_account()?.ok_or(Error::NotEnrolled)?;
        SyncClient::with_trusted_ca(&base, &token, store.trusted_ca()?.as_deref())
    }

    /// Enrols this device with a one-time code from the admin; the token is kept in the store.
    pub fn enroll(store: &Store, base: &str, code: &str) -> Result<(SyncClient, UserInfo)> {
        let ca = store.trusted_ca()?;
        let probe = SyncClient::with_trusted_ca(base, "", ca.as_deref())?;
        let request = EnrollRequest {
            code: code.trim().to_owned(),
            device_id: store.identity().device_id,
            public_key: store.device_public_key(),
            signature: store.sign_with_device_key(code.trim().as_bytes()),
        };
        let response: EnrollResponse =
            probe.send(probe.http.post(format!("{}/v1/enroll", probe.base)).json(&request))?.json().map_err(net)?;
        store.set_sync_account(&probe.base, &response.token)?;
        Ok((SyncClient::with_trusted_ca(base, &response.token, ca.as_deref())?, response.user))
    }

    /// One whole exchange: push records and evidence metadata, upload evidence bytes, pull.
    /// Safe to interrupt anywhere: each step is acknowledged before it is forgotten.
    /// A device the console revoked is wiped at the server's answer (ADR 0013): the error is
    /// then `DeviceRevoked`, and the store refuses everything after.
    pub fn sync(&self, store: &Store, progress: &dyn SyncProgress) -> Result<SyncReport> {
        store.refuse_if_wiped()?;
        let result = self.sync_once(store, progress);
        if let Err(e) = &result
            && is_revocation(e)
        {
            store.wipe()?;
            return Err(Error::DeviceRevoked);
        }
        store.record_sync_attempt(result.as_ref().err().map(|e| e.to_string()).as_deref())?;
        result
    }

    /// `sync`, retried with backoff and jitter while the failure is the link's.
    pub fn sync_with_retry(&self, store: &Store, progress: &dyn SyncProgress, backoff: Backoff) -> Result<SyncReport> {
        let mut attempt = 0;
        loop {
            match self.sync(store, progress) {
                Err(e) if e.is_transient() && attempt + 1 < backoff.max_attempts => {
                    let unit = u64::from_le_bytes(crate::util::random_bytes::<8>()) as f64 / u64::MAX as f64;
                    std::thread::sleep(backoff.delay(attempt, unit));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn sync_once(&self, store: &Store, progress: &dyn SyncProgress) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        // Records: every unacknowledged change, for all documents, in as few requests as the
        // batch size allows (one, unless megabytes are waiting).
        let total = store.sync_status()?.pending_changes;
        progress.on_progress(Progress { phase: Phase::PushRecords, done: 0, total });
        loop {
            let batch = store.next_push(PUSH_BATCH_BYTES)?;
            if batch.request.changes.entries.is_empty() && batch.request.evidence.is_empty() {
                break;
            }
            let body = batch.request.encode();
            let response = self.send(self.authed(self.http.post(format!("{}/v1/sync/push", self.base))).body(body))?;
            report.round_trips += 1;
            let ack: PushResponse = response.json().map_err(net)?;
            store.mark_pushed(&batch)?;
            store.set_server_clock_offset(ack.server_time_ms - now_ms())?;
            report.pushed_changes += batch.change_seqs.len() as u64;
            report.pushed_evidence += batch.request.evidence.len() as u64;
            progress.on_progress(Progress { phase: Phase::PushRecords, done: report.pushed_changes, total });
        }

        // Evidence bytes: resumable, chunk by chunk, from wherever the server got to.
        let uploads = store.pending_uploads()?;
        let total: u64 = uploads.iter().map(|(_, size)| size).sum();
        let mut done = 0;
        progress.on_progress(Progress { phase: Phase::UploadBytes, done, total });
        for (hash, size) in uploads {
            let url = format!("{}/v1/evidence/{hash}/upload", self.base);
            let mut status: UploadStatus = self.send(self.authed(self.http.get(&url)))?.json().map_err(net)?;
            report.round_trips += 1;
            if !status.complete {
                let bytes = store.evidence_bytes(&hash)?;
                while !status.complete {
                    let from = status.offset as usize;
                    if from >= bytes.len() {
                        return Err(Error::Refused {
                            status: 409,
                            code: "upload_stuck".into(),
                            message: format!("the server holds {from} bytes of {hash} but did not complete it"),
                        });
                    }
                    let to = (from + UPLOAD_CHUNK_BYTES).min(bytes.len());
                    let put = self.http.put(format!("{url}?offset={from}")).body(bytes[from..to].to_vec());
                    status = self.send(self.authed(put))?.json().map_err(net)?;
                    report.round_trips += 1;
                    report.uploaded_bytes += (to - from) as u64;
                    progress.on_progress(Progress {
                        phase: Phase::UploadBytes,
                        done: done + status.offset.min(size),
                        total,
                    });
                }
            }
            store.mark_uploaded(&hash)?;
            done += size;
            progress.on_progress(Progress { phase: Phase::UploadBytes, done, total });
        }

        // What others did, since the cursor.
        let mut pulled = 0;
        loop {
            let cursor = store.sync_cursor()?;
            let response =
                self.send(self.authed(self.http.get(format!("{}/v1/sync/pull?cursor={cursor}", self.base))))?;
            report.round_trips += 1;
            let pull = PullResponse::decode(&response.bytes().map_err(net)?)?;
            let n = pull.changes.entries.len() as u64;
            store.apply_pull(&pull.changes, &pull.evidence, pull.cursor)?;
            store.set_server_clock_offset(pull.server_time_ms - now_ms())?;
            pulled += n;
            report.pulled_changes += n;
            progress.on_progress(Progress {
                phase: Phase::PullRecords,
                done: pulled,
                total: pulled + u64::from(pull.more),
            });
            if !pull.more {
                break;
            }
        }
        Ok(report)
    }

    fn authed(&self, request: RequestBuilder) -> RequestBuilder {
        request.bearer_auth(&self.token).header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
    }

    fn send(&self, request: RequestBuilder) -> Result<Response> {
        let response = request.send().map_err(net)?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let body: ErrorBody =
            response.json().unwrap_or(ErrorBody { code: "http".into(), message: format!("HTTP status {status}") });
        Err(Error::Refused { status, code: body.code, message: body.message })
    }
}

/// The server's stable answer to a revoked device's token (401 `device_revoked`).
fn is_revocation(e: &Error) -> bool {
    matches!(e, Error::Refused { status: 401, code, .. } if code == DEVICE_REVOKED)
}

fn net(e: reqwest::Error) -> Error {
    Error::Network(e.to_string())
}
