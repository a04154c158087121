//! Judging the evidence entries of a push, in full, before anything of it is stored.
//!
//! Each entry must open (entry hash, every payload field, the signature by the key it names),
//! name the calling device, be signed with a key that device enrolled, take the next free
//! position of the device's chain (linking to the entry before it), announce bytes that do not
//! contradict what is already announced, and belong to a record the caller may write. An entry
//! the log already holds is a retry: accepted, not stored twice.

use crate::auth::callers::Device;
use crate::error::ApiError;
use crate::scope;
use crate::state::AppState;
use crate::storage::{ChainLink, DocMeta, User};
use axum::http::StatusCode;
use std::collections::HashSet;
use xuncha_core::EvidenceItem;
use xuncha_core::evidence::SignedEntry;

/// The evidence of an accepted push.
#[derive(Debug, Default)]
pub struct Judged {
    /// Entries new to the log, in chain order.
    pub new: Vec<EvidenceItem>,
    /// Entries whose record the caller may not write now (refused in this push, or not on the
    /// server): they take their place in the chain, so that the entries after them are not
    /// blocked, but are not stored; the phone sends them again once their record is accepted.
    pub held: Vec<String>,
    /// The chain positions new and held entries take (an entry held before has its place).
    pub chain: Vec<ChainLink>,
    /// Entries the log already holds (a retried push).
    pub known: usize,
}

fn refused(status: StatusCode, code: &'static str, message: String) -> ApiError {
    ApiError::new(status, code, format!("推送被拒绝，未保存任何内容：{message}"))
}

/// At most 80 characters of a value from the request, for a message.
fn shown(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Judges every evidence entry of a push by `pusher`. `metas` are the scope
/// facts of the push's accepted documents as they will be after it. A broken, foreign or
/// out-of-order entry refuses the push; one whose record the caller may not write is held.
pub fn judge(
    state: &AppState,
    pusher: &Device,
    metas: &[DocMeta],
    entries: &[SignedEntry],
    within: &dyn Fn(&str, &str) -> bool,
) -> Result<Judged, ApiError> {
    let device = pusher.device.device_id.as_str();
    let mut items = Vec::with_capacity(entries.len());
    for e in entries {
        let item = e.open().map_err(|why| {
            tracing::info!(entry = shown(&e.entry_hash), error = %why, "evidence refused");
            refused(
                StatusCode::BAD_REQUEST,
                "bad_evidence",
                format!("证据 {} 无效（{}）", shown(&e.entry_hash), why.message_zh()),
            )
        })?;
        if item.payload.device_id != device {
            return Err(refused(
                StatusCode::FORBIDDEN,
                "evidence_device",
                format!(
                    "证据 {} 属于设备 {}，不是本设备 {device}；证据只能由拍摄它的设备推送",
                    item.entry_hash, item.payload.device_id
                ),
            ));
        }
        items.push(item);
    }
    // A chain is judged in its own order, whatever order the phone sent it in.
    items.sort_by_key(|i| i.payload.chain_seq);
    let keys = state.storage.device_keys(device)?;
    let mut tip = state.storage.chain_tip(device)?;
    let mut seen = HashSet::new();
    let mut judged = Judged::default();
    for item in items {
        if !seen.insert(item.entry_hash.clone()) || state.storage.has_entry(&item.entry_hash)? {
            judged.known += 1;
            continue;
        }
        if !keys.contains(&item.payload.public_key) {
            return Err(refused(
                StatusCode::FORBIDDEN,
                "evidence_key",
                format!("证据 {} 的签名密钥不是设备 {device} 登记的密钥", item.entry_hash),
            ));
        }
        let place = next_link(state, device, tip.as_ref(), &item)?;
        if let Some(blob) = state.storage.blob(&item.payload.content_hash)?
            && blob.size != item.payload.size
        {
            return Err(refused(
                StatusCode::CONFLICT,
                "evidence_size",
                format!(
                    "证据 {} 声明内容 {} 有 {} 字节，而此前已声明 {} 字节",
                    item.entry_hash, item.payload.content_hash, item.payload.size, blob.size
                ),
            ));
        }
        if let Place::Next(link) = place {
            tip = Some(link.clone());
            judged.chain.push(link);
        }
        match in_scope(state, &pusher.user, metas, &item, within) {
            Ok(()) => judged.new.push(item),
            Err(why) => {
                tracing::info!(device, entry = %item.entry_hash, code = why.code, "evidence held");
                judged.held.push(item.entry_hash.to_string());
            }
        }
    }
    Ok(judged)
}

/// Where an entry goes in its device's chain.
enum Place {
    /// Right after the tip, linking to it.
    Next(ChainLink),
    /// The place it took when it was held before.
    Held,
}

/// The item must take the position right after `tip` and link to it, or be the entry held at
/// its position.
fn next_link(state: &AppState, device: &str, tip: Option<&ChainLink>, item: &EvidenceItem) -> Result<Place, ApiError> {
    let seq = item.payload.chain_seq;
    let expected = tip.map_or(1, |t| t.chain_seq + 1);
    if seq != expected {
        if let Some(holder) = state.storage.chain_link(device, seq)? {
            if holder == item.entry_hash.as_str() {
                return Ok(Place::Held);
            }
            return Err(refused(
                StatusCode::CONFLICT,
                "chain_taken",
                format!("设备 {device} 证据链第 {seq} 项已是 {holder}，证据 {} 不能重复占用", item.entry_hash),
            ));
        }
        return Err(refused(
            StatusCode::CONFLICT,
            "chain_gap",
            format!("设备 {device} 证据链的下一项应为第 {expected} 项，证据 {} 却是第 {seq} 项", item.entry_hash),
        ));
    }
    let prev = item.payload.prev.as_ref().map(|p| p.as_str());
    if prev != tip.map(|t| t.entry_hash.as_str()) {
        return Err(refused(
            StatusCode::CONFLICT,
            "chain_link",
            format!("证据 {} 没有链接到设备 {device} 证据链的上一项", item.entry_hash),
        ));
    }
    Ok(Place::Next(ChainLink { device_id: device.to_owned(), chain_seq: seq, entry_hash: item.entry_hash.to_string() }))
}

/// The item's record must be one the caller may write: in this push, or already on the server.
fn in_scope(
    state: &AppState,
    user: &User,
    metas: &[DocMeta],
    item: &EvidenceItem,
    within: &dyn Fn(&str, &str) -> bool,
) -> Result<(), ApiError> {
    let record_id = &item.payload.record_id;
    let record = match metas.iter().find(|m| m.doc_id == *record_id) {
        Some(m) => m.clone(),
        None => state.storage.doc_meta(record_id)?.ok_or_else(|| {
            refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "evidence_record",
                format!("证据 {} 所属的记录 {record_id} 不在服务器上", item.entry_hash),
            )
        })?,
    };
    if let Some(why) = scope::why_not(user, &record, within) {
        tracing::info!(record = record.doc_id, why, "evidence out of scope");
        return Err(refused(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("证据 {} 所属的记录 {} 不在您的辖区或职责范围内", item.entry_hash, record.doc_id),
        ));
    }
    Ok(())
}
