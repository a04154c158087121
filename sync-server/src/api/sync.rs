//! Push and pull: every change for every document in one request each way.

use super::{Body, Query, blocking, snapshots};
use crate::auth::callers::Device;
use crate::error::ApiError;
use crate::judge::changes::judge_push;
use crate::openapi::Errors;
use crate::state::SharedState;
use crate::storage::{LogEntry, Logged, NewEntry, Push};
use crate::{judge, replica, scope};
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use xuncha_core::bundle::BundleEntry;
use xuncha_core::sync::protocol::{
    DocSnapshot, OLDEST_PROTOCOL_VERSION, PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse,
    SNAPSHOT_VERSION,
};

/// Entries answered per pull at most, and about how many of their bytes.
const PULL_ENTRIES: usize = 5_000;
const PULL_MAX_BYTES: usize = 8 * 1024 * 1024;

/// The request names a sync protocol version the server speaks (`x-xuncha-protocol`, from
/// `OLDEST_PROTOCOL_VERSION` to `PROTOCOL_VERSION`); a pull is answered in it. An extractor
/// placed before `Device`: a request without it is refused (400) before authentication (401).
pub struct ProtocolChecked(pub u64);

impl<S: Send + Sync> FromRequestParts<S> for ProtocolChecked {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let named = parts.headers.get(PROTOCOL_HEADER).and_then(|v| v.to_str().ok());
        match named.map(|v| (v, v.parse::<u64>())) {
            Some((_, Ok(n))) if (OLDEST_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&n) => Ok(ProtocolChecked(n)),
            Some((v, _)) => Err(ApiError::bad_request(format!(
                "同步协议版本 {v} 与服务器的版本 {PROTOCOL_VERSION} 不一致，请把应用升级到最新版本"
            ))),
            None => Err(ApiError::bad_request("请求没有注明同步协议版本，请把应用升级到最新版本")),
        }
    }
}

/// The query of a pull; the cursor is parsed by `parse_cursor`, which names what is wrong.
#[derive(serde::Deserialize)]
pub struct PullQuery {
    cursor: Option<String>,
}

/// Every unacknowledged change and evidence entry of a device, binary `XSP1`; idempotent.
#[utoipa::path(post, path = "/v1/sync/push", tag = "sync", security(("bearer" = [])),
    params(("x-xuncha-protocol" = u32, Header, description = "the protocol version (2 or 3)")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "an XSP1 push, plain or zstd-coded (Content-Encoding: zstd)"),
    responses((status = 200, description = "stored", body = PushResponse), Errors))]
pub async fn push(
    State(state): State<SharedState>,
    _: ProtocolChecked,
    pusher: Device,
    Body(body): Body,
) -> Result<axum::Json<PushResponse>, ApiError> {
    blocking(move || push_blocking(&state, &pusher, &body).map(axum::Json)).await
}

fn push_blocking(state: &crate::state::AppState, pusher: &Device, body: &[u8]) -> Result<PushResponse, ApiError> {
    let device = pusher.device.device_id.clone();
    let request = PushRequest::decode(body)?;

    let _guard = state.write_lock.lock().unwrap_or_else(|p| p.into_inner());
    let within = state.within();
    // Judge every change of every document before anything is stored (judge/changes.rs): the
    // accepted documents are stored, each refused one is named in the answer.
    let judged = judge_push(state, pusher, &request.changes)?;
    let mut entries: Vec<NewEntry> = request
        .changes
        .entries
        .iter()
        .filter(|e| judged.accepts(&e.doc_id))
        .map(|e| NewEntry {
            origin: device.clone(),
            entry: LogEntry::Change {
                doc_id: e.doc_id.clone(),
                bytes: e.change.clone(),
                signature: e.signature.clone(),
            },
        })
        .collect();
    let accepted_changes = entries.len() as u64;
    let evidence = judge::evidence::judge(state, pusher, &judged.metas, &request.evidence, &within)?;
    // Nothing to store at all: the push is refused as a whole, naming each record.
    if entries.is_empty()
        && evidence.new.is_empty()
        && evidence.chain.is_empty()
        && let Some(refusal) = judged.all_refused()
    {
        return Err(refusal);
    }
    let mut blobs = Vec::new();
    for item in &evidence.new {
        blobs.push((item.payload.content_hash.to_string(), item.payload.size));
        entries.push(NewEntry { origin: device.clone(), entry: LogEntry::evidence(item) });
    }

    let push = Push {
        device_id: &device,
        entries: &entries,
        docs: &judged.metas,
        blobs: &blobs,
        created: &judged.created,
        chain: &evidence.chain,
    };
    let new = state.storage.append_push(&push)?;
    // The replica follows the log; what it cannot apply is set aside there, not left to
    // fail the next start. A failure here leaves the log ahead, to be caught up later.
    let set_aside = replica::catch_up(state).map_err(ApiError::internal)?;
    tracing::info!(
        device,
        changes = accepted_changes,
        evidence = evidence.new.len(),
        held = evidence.held.len(),
        refused = judged.refused.len(),
        new,
        set_aside,
        "push"
    );
    Ok(PushResponse {
        accepted_changes,
        new_changes: new,
        accepted_evidence: (evidence.new.len() + evidence.known) as u64,
        server_time_ms: chrono::Utc::now().timestamp_millis(),
        refused: judged.refused.into_iter().map(|(_, r)| r).collect(),
        held_evidence: evidence.held,
    })
}

/// Everything new in the caller's scope since the cursor, binary `XPL1`.
#[utoipa::path(get, path = "/v1/sync/pull", tag = "sync", security(("bearer" = [])),
    params(("x-xuncha-protocol" = u32, Header, description = "the protocol version (2 or 3; from 3 on, documents new to the device come as snapshots)"),
           ("cursor" = Option<u64>, Query, description = "the cursor of the last pull answer applied (0 or absent: from the start)")),
    responses((status = 200, description = "an XPL1 answer (zstd-coded for Accept-Encoding: zstd)", content_type = "application/octet-stream", body = Vec<u8>), Errors))]
pub async fn pull(
    State(state): State<SharedState>,
    Query(q): Query<PullQuery>,
    ProtocolChecked(version): ProtocolChecked,
    headers: axum::http::HeaderMap,
    puller: Device,
) -> Result<Response, ApiError> {
    // Snapshots are left uncompressed only for an answer the compression layer will code.
    let coded = snapshots::accepts_zstd(&headers);
    blocking(move || {
        let cursor = parse_cursor(q.cursor.as_deref(), state.storage.last_seq()?)?;
        let response = pull_blocking(&state, &puller, cursor, version, coded)?;
        Ok(([(axum::http::header::CONTENT_TYPE, "application/octet-stream")], response.encode_as(version))
            .into_response())
    })
    .await
}

/// A pull cursor is a log position the server gave out: 0 up to the end of the log. Anything
/// else is refused, never read as another position (a number ≥ 2^63 would wrap in SQLite).
fn parse_cursor(cursor: Option<&str>, log_end: u64) -> Result<u64, ApiError> {
    let Some(c) = cursor else { return Ok(0) };
    let bad = |why: String| ApiError::new(StatusCode::BAD_REQUEST, "bad_cursor", why);
    let n: u64 = c.parse().map_err(|_| bad(format!("同步位置 {c} 不是数字，请从头同步")))?;
    if n > i64::MAX as u64 {
        return Err(bad(format!("同步位置 {n} 超出范围，请从头同步")));
    }
    if n > log_end {
        return Err(bad(format!("同步位置 {n} 超过服务器记录的末尾（{log_end}），不是本服务器给出的位置；请从头同步")));
    }
    Ok(n)
}

fn pull_blocking(
    state: &crate::state::AppState,
    puller: &Device,
    cursor: u64,
    version: u64,
    coded: bool,
) -> Result<PullResponse, ApiError> {
    let device = puller.device.device_id.as_str();
    let scope = scope::pull_scope(state, &puller.user, device)?;
    let page = state.storage.visible_after(cursor, &scope, PULL_ENTRIES, PULL_MAX_BYTES)?;
    let mut out = PullResponse { cursor: page.cursor, more: page.more, ..Default::default() };
    let mut docs: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for entry in &page.entries {
        if seen.insert(&entry.doc_id) {
            docs.push(entry.doc_id.clone());
        }
    }
    // A document new to this device comes whole, once confirmed received: as a snapshot of
    // its history up to the cursor (protocol 3), or as that history (protocol 2, or a
    // history that does not save).
    let have: HashSet<String> = state.storage.device_has_docs(device, &docs, cursor)?.into_iter().collect();
    let fresh: Vec<String> = docs.into_iter().filter(|d| !have.contains(d)).collect();
    let (histories, snapshots) = if version >= SNAPSHOT_VERSION {
        // Every entry, the device's own included: a snapshot is the whole document.
        let histories = state.storage.doc_histories(&fresh, out.cursor, "")?;
        let snapshots = snapshots::of_histories(&histories, coded);
        (histories, snapshots)
    } else {
        (state.storage.doc_histories(&fresh, out.cursor, device)?, Default::default())
    };
    let in_snapshot = |e: &Logged| snapshots.contains_key(&e.doc_id) && matches!(e.entry, Ok(LogEntry::Change { .. }));
    let mut sent: HashSet<u64> = HashSet::new();
    for entry in &page.entries {
        sent.insert(entry.seq);
        if !in_snapshot(entry) {
            add(&mut out, entry);
        }
    }
    for entry in &histories {
        if !sent.contains(&entry.seq) && entry.origin != device && !in_snapshot(entry) {
            add(&mut out, entry);
        }
    }
    out.snapshots = snapshots.into_iter().map(|(doc_id, bytes)| DocSnapshot { doc_id, bytes }).collect();
    state.storage.mark_device_docs(device, &fresh, out.cursor)?;
    out.server_time_ms = chrono::Utc::now().timestamp_millis();
    Ok(out)
}

/// Adds a log entry to a pull answer; one that does not decode is left out (the replica feed
/// sets it aside).
fn add(out: &mut PullResponse, logged: &Logged) {
    match &logged.entry {
        Ok(LogEntry::Change { doc_id, bytes, signature }) => {
            out.changes.entries.push(BundleEntry::new(doc_id.clone(), bytes.clone(), signature.clone()))
        }
        Ok(LogEntry::Evidence { signed, .. }) => out.evidence.push(signed.clone()),
        Err(why) => tracing::warn!(seq = logged.seq, %why, "an undecodable log entry was left out of a pull"),
    }
}
