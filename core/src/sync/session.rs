//! One sync as a state machine with no network I/O (as samod-core and matrix-sdk's crypto
//! machine do it): it says which request to make next (`SyncAction::Send`), when to wait before
//! trying again, and when it is done; the caller makes the request on whatever HTTP stack it has
//! and hands the outcome back (`SyncEvent`). The store is read and written here, so every rule
//! of a sync — batching, what an answer means, what to forget and when — is tested without
//! sockets (`tests/session_faults.rs`), and the phones bring their own HTTP.
//!
//! Order: push records and evidence metadata (batches of whole records), upload evidence bytes
//! (`uploads`), pull since the cursor. Each step is acknowledged before it is forgotten, so a
//! sync cut anywhere resumes where it stopped.

use super::engine::{Backoff, Phase, Progress, SyncProgress};
use super::http::{HttpMethod, HttpRequest, HttpResponse};
use super::protocol::{DEVICE_REVOKED, PullResponse, PushResponse};
use super::report::SyncReport;
use super::upload_batch::BATCH_FILE_BYTES;
use super::uploads::Uploads;
use crate::util::now_ms;
use crate::{Error, PushBatch, Result, Store};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::time::Duration;

/// Most bytes of changes in one push request.
pub const PUSH_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Where a device syncs, and as whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncAccount {
    /// The server's base URL, without a trailing slash.
    pub base: String,
    pub token: String,
}

impl SyncAccount {
    pub fn new(base: &str, token: &str) -> SyncAccount {
        SyncAccount { base: base.trim_end_matches('/').to_owned(), token: token.to_owned() }
    }

    /// The account this store enrolled with.
    pub fn of_store(store: &Store) -> Result<SyncAccount> {
        store.refuse_if_wiped()?;
        let (base, token) = store.sync_account()?.ok_or(Error::NotEnrolled)?;
        Ok(SyncAccount::new(&base, &token))
    }

    pub(crate) fn request(&self, method: HttpMethod, path: &str, body: Vec<u8>) -> HttpRequest {
        HttpRequest::new(method, format!("{}{path}", self.base), &self.token, body)
    }
}

/// How a sync goes about it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncOptions {
    /// Push batches of about this many bytes of changes (a record larger than that goes alone).
    pub push_batch_bytes: usize,
    /// Off: every evidence file on its own (status request, then chunks), as a baseline.
    pub batch_uploads: bool,
    /// Files up to this size travel whole in batches; larger ones in resumable chunks.
    pub batch_file_bytes: u64,
    /// Tries again after the link's failures, waiting with backoff and full jitter; `None`:
    /// one attempt.
    pub retry: Option<Backoff>,
    /// Seeds the jitter, so that a run can be replayed; `None` seeds from the OS.
    pub seed: Option<u64>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            push_batch_bytes: PUSH_BATCH_BYTES,
            batch_uploads: true,
            batch_file_bytes: BATCH_FILE_BYTES,
            retry: None,
            seed: None,
        }
    }
}

/// What the machine wants done next.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncAction {
    /// Make this request and hand back `SyncEvent::Response` or `SyncEvent::Failed`.
    Send(HttpRequest),
    /// Wait this long (the link failed), then hand back `SyncEvent::Waited`.
    Wait(Duration),
    /// The sync is over.
    Done(SyncReport),
}

/// What happened to the last action.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    /// An answer came, whatever its status.
    Response(HttpResponse),
    /// No answer came (no connection, cut, timed out): why, for the log.
    Failed(String),
    Waited,
}

/// Where the machine is.
enum Stage {
    NotStarted,
    Pushing { batch: PushBatch, total: u64 },
    Uploading(Uploads),
    Pulling { pulled: u64 },
    Waiting,
    Over,
}

pub struct SyncSession<'a> {
    store: &'a Store,
    account: SyncAccount,
    options: SyncOptions,
    progress: &'a dyn SyncProgress,
    stage: Stage,
    report: SyncReport,
    attempt: u32,
    rng: StdRng,
}

impl<'a> SyncSession<'a> {
    pub fn new(
        store: &'a Store,
        account: SyncAccount,
        options: SyncOptions,
        progress: &'a dyn SyncProgress,
    ) -> SyncSession<'a> {
        let rng = match options.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        SyncSession {
            store,
            account,
            options,
            progress,
            stage: Stage::NotStarted,
            report: SyncReport::default(),
            attempt: 0,
            rng,
        }
    }

    /// The first action.
    pub fn start(&mut self) -> Result<SyncAction> {
        self.store.refuse_if_wiped()?;
        let first = self.begin();
        self.settle(first)
    }

    /// Takes the outcome of the last action and says what comes next. An `Err` ends the sync
    /// (recorded for `sync_status`); a device the console revoked is wiped here, and the error
    /// is then `DeviceRevoked`.
    pub fn handle(&mut self, event: SyncEvent) -> Result<SyncAction> {
        // Every answer is read as the server meant it, whatever the stack did to its coding.
        let event = match event {
            SyncEvent::Response(r) => match r.decoded() {
                Ok(r) => SyncEvent::Response(r),
                Err(e) => {
                    self.stage = Stage::Over;
                    return self.settle(Err(e));
                }
            },
            other => other,
        };
        let next = match (event, std::mem::replace(&mut self.stage, Stage::Over)) {
            (SyncEvent::Waited, Stage::Waiting) => self.begin(),
            (SyncEvent::Failed(why), _) => Err(Error::Network(why)),
            (SyncEvent::Response(r), Stage::Pushing { batch, total }) => self.pushed(batch, total, &r),
            (SyncEvent::Response(r), Stage::Uploading(uploads)) => self.uploaded(uploads, r),
            (SyncEvent::Response(r), Stage::Pulling { pulled }) => self.pulled(pulled, &r),
            (event, _) => Err(Error::invalid("sync event", format!("同步状态不接受此事件：{event:?}"))),
        };
        self.settle(next)
    }

    /// Turns a failure into a wait while retries are left, and records how the sync ended.
    fn settle(&mut self, next: Result<SyncAction>) -> Result<SyncAction> {
        match next {
            Err(e) if e.is_transient() && self.retries_left() => {
                let backoff = self.options.retry.unwrap_or_default();
                let delay = backoff.delay(self.attempt, self.rng.random::<f64>());
                self.attempt += 1;
                self.stage = Stage::Waiting;
                Ok(SyncAction::Wait(delay))
            }
            Err(e) if is_revocation(&e) => {
                self.stage = Stage::Over;
                self.store.wipe()?;
                Err(Error::DeviceRevoked)
            }
            Err(e) => {
                self.stage = Stage::Over;
                // The officer reads it on the sync screen: Chinese, with the code for the help desk.
                self.store.record_sync_attempt(Some(&e.message_with_code()))?;
                Err(e)
            }
            Ok(SyncAction::Done(report)) => {
                self.stage = Stage::Over;
                self.store.record_sync_attempt(None)?;
                Ok(SyncAction::Done(report))
            }
            ok => ok,
        }
    }

    fn retries_left(&self) -> bool {
        self.options.retry.is_some_and(|b| self.attempt + 1 < b.max_attempts)
    }

    /// From the top: everything before was acknowledged, so starting over repeats nothing.
    fn begin(&mut self) -> Result<SyncAction> {
        let total = self.store.sync_status()?.pending_changes;
        self.progress.on_progress(Progress { phase: Phase::PushRecords, done: 0, total });
        self.next_push(total)
    }

    /// Records: every unacknowledged change, for all documents, in as few requests as the
    /// batch size allows (one, unless megabytes are waiting).
    fn next_push(&mut self, total: u64) -> Result<SyncAction> {
        let batch = self.store.next_push(self.options.push_batch_bytes)?;
        if batch.request.changes.entries.is_empty() && batch.request.evidence.is_empty() {
            return self.start_uploads();
        }
        let request = self.account.request(HttpMethod::Post, "/v1/sync/push", batch.request.encode()).zstd_body();
        self.report.round_trips += 1;
        self.report.push_requests += 1;
        self.stage = Stage::Pushing { batch, total };
        Ok(SyncAction::Send(request))
    }

    /// A refusal that names its records is an answer, not a failure: those records are marked
    /// refused and the sync goes on with the rest.
    fn pushed(&mut self, batch: PushBatch, total: u64, response: &HttpResponse) -> Result<SyncAction> {
        let (refused, held, server_time_ms) = if response.is_success() {
            let ack: PushResponse = response.json()?;
            (ack.refused, ack.held_evidence, Some(ack.server_time_ms))
        } else {
            let body = response.error_body();
            if !(400..500).contains(&response.status) || body.refused.is_empty() {
                return Err(Error::Refused { status: response.status, code: body.code, message: body.message });
            }
            (body.refused, Vec::new(), None)
        };
        self.store.mark_push_answer(&batch, &refused, &held)?;
        if let Some(server_time_ms) = server_time_ms {
            self.store.set_server_clock_offset(server_time_ms - now_ms())?;
        }
        self.report.pushed_changes += batch.change_seqs.len() as u64;
        self.report.pushed_evidence += batch.request.evidence.len() as u64;
        self.report.refused_records += refused.len() as u64;
        self.progress.on_progress(Progress { phase: Phase::PushRecords, done: self.report.pushed_changes, total });
        self.next_push(total)
    }

    /// Evidence bytes: small files several to a request, large ones in resumable chunks.
    fn start_uploads(&mut self) -> Result<SyncAction> {
        let batch_file_bytes = self.options.batch_uploads.then_some(self.options.batch_file_bytes);
        let uploads = Uploads::plan(self.store, batch_file_bytes, self.progress)?;
        self.next_upload(uploads)
    }

    fn uploaded(&mut self, mut uploads: Uploads, response: HttpResponse) -> Result<SyncAction> {
        uploads.answer(self.store, &response, &mut self.report, self.progress)?;
        self.next_upload(uploads)
    }

    fn next_upload(&mut self, mut uploads: Uploads) -> Result<SyncAction> {
        match uploads.next_request(self.store, &self.account, &mut self.report)? {
            Some(request) => {
                self.stage = Stage::Uploading(uploads);
                Ok(SyncAction::Send(request))
            }
            None => self.next_pull(0),
        }
    }

    /// What others did, since the cursor.
    fn next_pull(&mut self, pulled: u64) -> Result<SyncAction> {
        let cursor = self.store.sync_cursor()?;
        let request =
            self.account.request(HttpMethod::Get, &format!("/v1/sync/pull?cursor={cursor}"), Vec::new()).accept_zstd();
        self.report.round_trips += 1;
        self.stage = Stage::Pulling { pulled };
        Ok(SyncAction::Send(request))
    }

    fn pulled(&mut self, pulled: u64, response: &HttpResponse) -> Result<SyncAction> {
        response.success()?;
        // A whole answer decodes (checksums included); one that does not was cut on the way.
        let pull = PullResponse::decode(&response.body)
            .map_err(|e| Error::Network(format!("the pull answer arrived incomplete: {e}")))?;
        let applied = self.store.apply_pull_response(&pull)?;
        // Changes delivered, whether one by one or inside a new document's snapshot.
        let n = (pull.changes.entries.len() + applied.snapshot_changes) as u64;
        self.store.set_server_clock_offset(pull.server_time_ms - now_ms())?;
        self.report.pulled_changes += n;
        let pulled = pulled + n;
        self.progress.on_progress(Progress {
            phase: Phase::PullRecords,
            done: pulled,
            total: pulled + u64::from(pull.more),
        });
        if pull.more {
            return self.next_pull(pulled);
        }
        Ok(SyncAction::Done(self.report.clone()))
    }
}

/// The server's stable answer to a revoked device's token (401 `device_revoked`).
fn is_revocation(e: &Error) -> bool {
    matches!(e, Error::Refused { status: 401, code, .. } if code == DEVICE_REVOKED)
}

/// Runs a whole sync over `transport`, blocking: apps call it from a background worker
/// (WorkManager, BGTaskScheduler).
pub fn run(session: &mut SyncSession<'_>, transport: &dyn super::http::Transport) -> Result<SyncReport> {
    let mut action = session.start()?;
    loop {
        action = match action {
            SyncAction::Send(request) => {
                let event = match transport.send(request) {
                    Ok(response) => SyncEvent::Response(response),
                    Err(why) => SyncEvent::Failed(why),
                };
                session.handle(event)?
            }
            SyncAction::Wait(delay) => {
                std::thread::sleep(delay);
                session.handle(SyncEvent::Waited)?
            }
            SyncAction::Done(report) => return Ok(report),
        }
    }
}
