//! The HTTP transport: a thin adapter that carries what the store hands it. Blocking on
//! purpose: apps call `sync` from a background worker (WorkManager, BGTaskScheduler), and the
//! core need not host an async runtime.

use super::engine::{Backoff, Phase, Progress, SyncProgress};
use super::protocol::{
    DEVICE_REVOKED, EnrollRequest, EnrollResponse, ErrorBody, PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse,
    PushResponse, RefusedRecord, UserInfo,
};
use crate::util::now_ms;
use crate::{Error, PushBatch, Result, Store};
use reqwest::blocking::{Client, RequestBuilder, Response};
use std::time::Duration;

/// Most bytes of changes in one push request.
const PUSH_BATCH_BYTES: usize = 4 * 1024 * 1024;

pub struct SyncClient {
    pub(super) base: String,
    token: String,
    pub(super) http: Client,
    push_batch_bytes: usize,
    /// Off: every file on its own (status request, then chunks), as a baseline to measure.
    pub(super) batch_uploads: bool,
}

/// What one sync did.
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

/// What the server did with a push batch.
struct PushAnswer {
    refused: Vec<RefusedRecord>,
    held_evidence: Vec<String>,
    server_time_ms: Option<i64>,
}

/// Parses a CA certificate (PEM) the device is told to trust.
pub(crate) fn parse_ca(pem: &str) -> Result<Vec<reqwest::Certificate>> {
    let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
        Error::invalid_because("trusted CA", "服务器根证书不是 PEM 格式的证书，请向管理员索取正确的证书", e)
    })?;
    if certs.is_empty() {
        return Err(Error::invalid("trusted CA", "服务器根证书文件中没有证书，请向管理员索取正确的证书"));
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
        Ok(SyncClient {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            http,
            push_batch_bytes: PUSH_BATCH_BYTES,
            batch_uploads: true,
        })
    }

    /// Uploads every evidence file on its own (the per-file path only), for comparison.
    pub fn without_batched_uploads(mut self) -> SyncClient {
        self.batch_uploads = false;
        self
    }

    /// Pushes batches of about `bytes` instead of 4 MB (a record larger than that goes alone).
    pub fn with_push_batch_bytes(mut self, bytes: usize) -> SyncClient {
        self.push_batch_bytes = bytes.max(1);
        self
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
            signature: store.sign_with_device_key(code.trim().as_bytes())?,
        };
        let response: EnrollResponse =
            probe.send(probe.http.post(format!("{}/v1/enroll", probe.base)).json(&request))?.json().map_err(net)?;
        store.set_sync_account(&probe.base, &response.token)?;
        store.set_account_role(crate::Role::parse(&response.user.role))?;
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
        // The officer reads it on the sync screen: Chinese, with the code for the help desk.
        store.record_sync_attempt(result.as_ref().err().map(Error::message_with_code).as_deref())?;
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
            let batch = store.next_push(self.push_batch_bytes)?;
            if batch.request.changes.entries.is_empty() && batch.request.evidence.is_empty() {
                break;
            }
            let answer = self.push(&batch)?;
            report.round_trips += 1;
            report.push_requests += 1;
            store.mark_push_answer(&batch, &answer.refused, &answer.held_evidence)?;
            if let Some(server_time_ms) = answer.server_time_ms {
                store.set_server_clock_offset(server_time_ms - now_ms())?;
            }
            report.pushed_changes += batch.change_seqs.len() as u64;
            report.pushed_evidence += batch.request.evidence.len() as u64;
            report.refused_records += answer.refused.len() as u64;
            progress.on_progress(Progress { phase: Phase::PushRecords, done: report.pushed_changes, total });
        }

        // Evidence bytes: small files several to a request, large ones in resumable chunks.
        self.upload_all(store, progress, &mut report)?;

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

    /// Sends one batch. A refusal that names its records is an answer, not a failure: those
    /// records are marked refused and the sync goes on with the rest.
    fn push(&self, batch: &PushBatch) -> Result<PushAnswer> {
        let request = self.authed(self.http.post(format!("{}/v1/sync/push", self.base))).body(batch.request.encode());
        let response = request.send().map_err(net)?;
        if response.status().is_success() {
            let ack: PushResponse = response.json().map_err(net)?;
            return Ok(PushAnswer {
                refused: ack.refused,
                held_evidence: ack.held_evidence,
                server_time_ms: Some(ack.server_time_ms),
            });
        }
        let status = response.status().as_u16();
        let body = error_body(response);
        if (400..500).contains(&status) && !body.refused.is_empty() {
            return Ok(PushAnswer { refused: body.refused, held_evidence: Vec::new(), server_time_ms: None });
        }
        Err(Error::Refused { status, code: body.code, message: body.message })
    }

    pub(super) fn authed(&self, request: RequestBuilder) -> RequestBuilder {
        request.bearer_auth(&self.token).header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
    }

    pub(super) fn send(&self, request: RequestBuilder) -> Result<Response> {
        let response = request.send().map_err(net)?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let body = error_body(response);
        Err(Error::Refused { status, code: body.code, message: body.message })
    }
}

/// The server's stable answer to a revoked device's token (401 `device_revoked`).
fn is_revocation(e: &Error) -> bool {
    matches!(e, Error::Refused { status: 401, code, .. } if code == DEVICE_REVOKED)
}

/// The server's error body, or one made from the status when the body is not one.
fn error_body(response: Response) -> ErrorBody {
    let status = response.status().as_u16();
    response.json().unwrap_or(ErrorBody {
        code: "http".into(),
        message: format!("HTTP status {status}"),
        refused: Vec::new(),
    })
}

pub(super) fn net(e: reqwest::Error) -> Error {
    Error::Network(e.to_string())
}
