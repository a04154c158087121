//! Push and pull: every change for every document in one request each way.

use super::{Body, Query, blocking, check_id};
use crate::auth::{self, Caller};
use crate::error::ApiError;
use crate::state::{SharedState, change_hash, meta};
use crate::storage::{DocMeta, EntryKind, NewEntry, Push};
use crate::{judge, replica, scope};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use std::collections::{BTreeMap, HashMap, HashSet};
use xuncha_core::evidence::SignedEntry;
use xuncha_core::sync::facts_after_merge;
use xuncha_core::sync::protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse};

/// Log entries looked at per pull, and bytes answered at most.
const PULL_SCAN: usize = 5_000;
const PULL_MAX_BYTES: usize = 8 * 1024 * 1024;

fn check_protocol(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get(PROTOCOL_HEADER).and_then(|v| v.to_str().ok()) {
        Some(v) if v == PROTOCOL_VERSION.to_string() => Ok(()),
        Some(v) => Err(ApiError::bad_request(format!(
            "protocol version {v} is not supported; this server speaks {PROTOCOL_VERSION}"
        ))),
        None => Err(ApiError::bad_request(format!("the {PROTOCOL_HEADER} header is missing"))),
    }
}

fn device_of(caller: &Caller) -> Result<&crate::storage::Device, ApiError> {
    caller.device.as_ref().ok_or_else(|| ApiError::forbidden("sync is for enrolled devices"))
}

pub async fn push(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<axum::Json<PushResponse>, ApiError> {
    blocking(move || push_blocking(&state, &headers, &body).map(axum::Json)).await
}

fn push_blocking(state: &crate::state::AppState, headers: &HeaderMap, body: &[u8]) -> Result<PushResponse, ApiError> {
    check_protocol(headers)?;
    let caller = auth::caller(state, headers)?;
    let device = device_of(&caller)?.device_id.clone();
    let request = PushRequest::decode(body)?;
    let mut by_doc: BTreeMap<&str, Vec<&[u8]>> = BTreeMap::new();
    for (doc, change) in &request.changes.entries {
        check_id("document", doc)?;
        by_doc.entry(doc.as_str()).or_default().push(change.as_slice());
    }

    let _guard = state.write_lock.lock().unwrap_or_else(|p| p.into_inner());
    let within = state.within();
    // Judge each document as it would be after the push; refuse the whole push if any fails.
    let mut metas: Vec<DocMeta> = Vec::new();
    let mut created: Vec<String> = Vec::new();
    for (doc, changes) in &by_doc {
        let current = state.replica.document_bytes(doc).ok();
        if current.is_none() {
            created.push(doc.to_string());
        }
        let m = meta(doc, facts_after_merge(current.as_deref(), changes)?);
        if let Some(why) = scope::why_not(&caller.user, &m, &within) {
            return Err(ApiError::forbidden(format!("push refused, nothing was stored: {why}")));
        }
        metas.push(m);
    }
    let mut entries: Vec<NewEntry> = request
        .changes
        .entries
        .iter()
        .map(|(doc, bytes)| NewEntry {
            origin: device.clone(),
            doc_id: doc.clone(),
            kind: EntryKind::Change,
            hash: change_hash(bytes),
            bytes: bytes.clone(),
        })
        .collect();
    let evidence = judge::evidence::judge(state, &caller, &device, &metas, &request.evidence, &within)?;
    let mut blobs = Vec::new();
    let mut chain = Vec::new();
    for (item, link) in &evidence.new {
        blobs.push((item.payload.content_hash.to_string(), item.payload.size));
        entries.push(NewEntry {
            origin: device.clone(),
            doc_id: item.payload.record_id.clone(),
            kind: EntryKind::Evidence,
            hash: item.entry_hash.to_string(),
            bytes: serde_json::to_vec(&[item.entry_hash.as_str(), &item.payload_json, &item.signature])
                .expect("plain JSON"),
        });
        chain.push(link.clone());
    }

    let push =
        Push { device_id: &device, entries: &entries, docs: &metas, blobs: &blobs, created: &created, chain: &chain };
    let new = state.storage.append_push(&push)?;
    // The replica follows the log; what it cannot apply is set aside there, not left to
    // fail the next start. A failure here leaves the log ahead, to be caught up later.
    let set_aside = replica::catch_up(state).map_err(ApiError::internal)?;
    tracing::info!(
        device,
        changes = request.changes.entries.len(),
        evidence = request.evidence.len(),
        new,
        set_aside,
        "push"
    );
    Ok(PushResponse {
        accepted_changes: request.changes.entries.len() as u64,
        new_changes: new,
        accepted_evidence: request.evidence.len() as u64,
        server_time_ms: chrono::Utc::now().timestamp_millis(),
    })
}

pub async fn pull(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    blocking(move || {
        check_protocol(&headers)?;
        let caller = auth::caller(&state, &headers)?;
        let device = device_of(&caller)?.device_id.clone();
        let cursor: u64 = match q.get("cursor") {
            None => 0,
            Some(c) => c.parse().map_err(|_| ApiError::bad_request(format!("cursor {c:?} is not a number")))?,
        };
        let response = pull_blocking(&state, &caller, &device, cursor)?;
        Ok(([(axum::http::header::CONTENT_TYPE, "application/octet-stream")], response.encode()).into_response())
    })
    .await
}

fn pull_blocking(
    state: &crate::state::AppState,
    caller: &Caller,
    device: &str,
    cursor: u64,
) -> Result<PullResponse, ApiError> {
    let within = state.within();
    let scanned = state.storage.entries_after(cursor, PULL_SCAN)?;
    let mut more = scanned.len() == PULL_SCAN;
    let mut visible: HashMap<String, bool> = HashMap::new();
    let mut out = PullResponse { cursor, ..Default::default() };
    let mut sent: HashSet<u64> = HashSet::new();
    let mut size = 0;
    let mut docs: Vec<String> = Vec::new();
    for entry in scanned {
        if size > PULL_MAX_BYTES {
            more = true;
            break;
        }
        out.cursor = entry.seq;
        let can = match visible.get(&entry.doc_id) {
            Some(v) => *v,
            None => {
                let v =
                    state.storage.doc_meta(&entry.doc_id)?.is_some_and(|m| scope::can_read(&caller.user, &m, &within));
                visible.insert(entry.doc_id.clone(), v);
                if v {
                    docs.push(entry.doc_id.clone());
                }
                v
            }
        };
        if can && entry.origin != device {
            size += entry.bytes.len();
            sent.insert(entry.seq);
            add(&mut out, &entry)?;
        }
    }
    // A document new to this device comes with its whole history, once confirmed received.
    let have: HashSet<String> = state.storage.device_has_docs(device, &docs, cursor)?.into_iter().collect();
    let fresh: Vec<String> = docs.into_iter().filter(|d| !have.contains(d)).collect();
    for doc in &fresh {
        for entry in state.storage.doc_entries(doc)? {
            if entry.seq <= out.cursor && !sent.contains(&entry.seq) && entry.origin != device {
                add(&mut out, &entry)?;
            }
        }
    }
    state.storage.mark_device_docs(device, &fresh, out.cursor)?;
    out.more = more;
    out.server_time_ms = chrono::Utc::now().timestamp_millis();
    Ok(out)
}

fn add(out: &mut PullResponse, entry: &crate::storage::LogEntry) -> Result<(), ApiError> {
    match entry.kind {
        EntryKind::Change => out.changes.entries.push((entry.doc_id.clone(), entry.bytes.clone())),
        EntryKind::Evidence => {
            let [entry_hash, payload_json, signature]: [String; 3] =
                serde_json::from_slice(&entry.bytes).map_err(ApiError::internal)?;
            out.evidence.push(SignedEntry { entry_hash, payload_json, signature });
        }
    }
    Ok(())
}
