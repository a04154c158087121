//! Evidence as the console shows it: metadata, GPS fix, flags, and integrity status, as
//! verified once when the bytes arrived (kept in storage; evidence packages carry the bytes
//! themselves, so a file changed on the server afterwards fails the package's verification).
//!
//! - verified: the bytes are here and hash to the signed content hash, the metadata hashes to
//!   its entry hash, the signature verifies with the device's enrolled key, and the previous
//!   item of the device's chain is present;
//! - pending: everything checkable holds, but the bytes have not been uploaded yet;
//! - failed: any other check failed (the reasons are listed).

use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::EvidenceCheck;
use serde::Serialize;
use xuncha_core::EvidenceItem;
use xuncha_core::VerifyReport;
use xuncha_core::evidence::{Check, ContentHash, EntryHash, EvidenceKind, ExifSummary, Flag, GpsFix};

/// Where an item's verification stands (see the module's notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntegrityStatus {
    /// Bytes, metadata, signature, enrolled key and chain link all check out.
    Verified,
    /// Everything checkable holds; the bytes have not been uploaded yet.
    Pending,
    /// Some other check failed (`problems` says which).
    Failed,
}

/// An item's integrity as the console shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Integrity {
    pub status: IntegrityStatus,
    /// What failed, in Chinese, one line per kind of check; empty when verified.
    pub problems: Vec<String>,
}

/// One evidence item as the pages show it: its signed metadata, its flags in words and its
/// integrity.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    /// Hash of the signed metadata: the item's identity and its link in the device's chain.
    pub entry_hash: EntryHash,
    /// Hash of the bytes: names the original and its thumbnail under `/v1/evidence/`.
    pub content_hash: ContentHash,
    /// The record (inspection or case) it belongs to.
    pub record_id: String,
    /// The checklist item it documents, if any.
    pub item_id: Option<String>,
    pub kind: EvidenceKind,
    pub mime: String,
    /// Size of the bytes.
    pub size: u64,
    /// The officer who captured it, and their certificate number.
    pub officer: String,
    pub cert_no: String,
    /// The device that signed it, and its position in that device's chain (from 1).
    pub device_id: String,
    pub chain_seq: u64,
    /// Device time at capture, ms since the epoch.
    pub captured_at_ms: i64,
    /// The device's location fix at capture, if it had one.
    pub gps: Option<GpsFix>,
    /// What the camera wrote (photos with readable EXIF).
    pub exif: Option<ExifSummary>,
    /// What a reviewer should look at.
    pub flags: Vec<Flag>,
    /// The same flags in words, with their numbers, for the badge's tooltip.
    pub flag_labels: Vec<String>,
    /// The entry this one corrects.
    pub corrects: Option<EntryHash>,
    /// Whether the bytes have reached the server.
    pub bytes_present: bool,
    pub integrity: Integrity,
}

/// The public key the server enrolled for a device: a phone's from enrolment, the replica's
/// own (for evidence the server itself took in, such as tip photos).
pub fn enrolled_key(state: &AppState, device_id: &str) -> Option<String> {
    if state.replica.identity().device_id == device_id {
        return Some(state.replica.device_public_key());
    }
    state.storage.device(device_id).ok().flatten().map(|d| d.public_key)
}

/// Every key a device has enrolled with (a device enrolled again keeps its old keys, so that
/// what it signed before still verifies); the replica's own for the server's device.
pub fn known_keys(state: &AppState, device_id: &str) -> Result<Vec<String>, ApiError> {
    if state.replica.identity().device_id == device_id {
        return Ok(vec![state.replica.device_public_key()]);
    }
    Ok(state.storage.device_keys(device_id)?)
}

/// The checks an item fails: core's report (bytes, metadata, signature, chain link) and the
/// server's own, that the key is one the device enrolled.
fn failures(state: &AppState, item: &EvidenceItem, report: VerifyReport) -> Result<Vec<Check>, ApiError> {
    let mut failures: Vec<(Check, String)> =
        report.failures.into_iter().chain(report.items.into_iter().flat_map(|i| i.failures)).collect();
    let keys = known_keys(state, &item.payload.device_id)?;
    if keys.is_empty() {
        failures.push((Check::Key, format!("device {} is not enrolled on this server", item.payload.device_id)));
    } else if !keys.contains(&item.payload.public_key) {
        failures.push((
            Check::Key,
            format!("signed with a key that device {} never enrolled with", item.payload.device_id),
        ));
    }
    if !failures.is_empty() {
        let why: Vec<&str> = failures.iter().map(|(_, why)| why.as_str()).collect();
        tracing::info!(entry = %item.entry_hash, ?why, "evidence does not verify");
    }
    Ok(failures.into_iter().map(|(c, _)| c).collect())
}

/// Keeps the verification of items whose bytes just arrived (core's report of each, made from
/// the one read of the bytes): the console shows it from then on.
pub fn keep_checks(state: &AppState, reports: Vec<(String, VerifyReport)>) -> Result<(), ApiError> {
    let at_ms = chrono::Utc::now().timestamp_millis();
    let mut checks = Vec::with_capacity(reports.len());
    for (entry_hash, report) in reports {
        let item = state.replica.evidence_item(&entry_hash)?;
        checks.push(EvidenceCheck { failed: failures(state, &item, report)?, entry_hash, at_ms });
    }
    Ok(state.storage.set_evidence_checks(&checks)?)
}

/// The integrity status of one item and the reasons when it is not verified: as verified when
/// its bytes arrived. An item without a kept verification is verified now — only its metadata
/// while its bytes are missing; with its bytes (kept by an older server, or taken in by the
/// server itself) once, and kept.
pub fn integrity(state: &AppState, item: &EvidenceItem) -> Result<(IntegrityStatus, Vec<String>), ApiError> {
    let failed = match state.storage.evidence_check(item.entry_hash.as_str())? {
        Some(check) => check.failed,
        None => {
            let failed = failures(state, item, state.replica.verify_evidence(&item.entry_hash)?)?;
            if item.bytes_present {
                let at_ms = chrono::Utc::now().timestamp_millis();
                let check = EvidenceCheck { entry_hash: item.entry_hash.to_string(), failed: failed.clone(), at_ms };
                state.storage.set_evidence_checks(&[check])?;
            }
            failed
        }
    };
    let status = if failed.is_empty() {
        IntegrityStatus::Verified
    } else if failed.iter().all(|c| *c == Check::MissingBytes) {
        IntegrityStatus::Pending
    } else {
        IntegrityStatus::Failed
    };
    // Supervisors read the failed checks by kind, in Chinese.
    let mut problems: Vec<String> = Vec::new();
    for check in &failed {
        let zh = check_zh(*check, &item.payload.device_id);
        if !problems.contains(&zh) {
            problems.push(zh);
        }
    }
    Ok((status, problems))
}

/// What a failed check means, for the supervisor who reads it.
pub fn check_zh(check: Check, device_id: &str) -> String {
    match check {
        Check::Bytes => "证据文件与其登记的哈希不符，文件可能已被改动".into(),
        Check::MissingBytes => "证据文件尚未上传到服务器（待上传）".into(),
        Check::Payload => "证据的元数据与其哈希不符或无法读取，可能已被改动".into(),
        Check::Signature => "证据的签名验证失败，可能已被改动".into(),
        Check::Key => format!("证据的签名密钥不是设备 {device_id} 在本服务器登记的密钥"),
        Check::ChainLink => format!("设备 {device_id} 的证据链在此处断开，前后项不相连"),
        Check::MissingItem => format!("设备 {device_id} 的证据链缺少条目"),
    }
}

/// One item as the pages show it.
pub fn item_view(state: &AppState, item: &EvidenceItem) -> Result<EvidenceView, ApiError> {
    let (status, problems) = integrity(state, item)?;
    let p = &item.payload;
    Ok(EvidenceView {
        entry_hash: item.entry_hash.clone(),
        content_hash: p.content_hash.clone(),
        record_id: p.record_id.clone(),
        item_id: p.item_id.clone(),
        kind: p.kind,
        mime: p.mime.clone(),
        size: p.size,
        officer: p.officer.clone(),
        cert_no: p.cert_no.clone(),
        device_id: p.device_id.clone(),
        chain_seq: p.chain_seq,
        captured_at_ms: p.captured_at_ms,
        gps: p.gps.clone(),
        exif: p.exif.clone(),
        flags: p.flags.clone(),
        flag_labels: p.flags.iter().map(Flag::label_zh).collect(),
        corrects: p.corrects.clone(),
        bytes_present: item.bytes_present,
        integrity: Integrity { status, problems },
    })
}

/// Every item of a list, as the pages show them.
pub fn item_views(state: &AppState, items: &[EvidenceItem]) -> Result<Vec<EvidenceView>, ApiError> {
    items.iter().map(|e| item_view(state, e)).collect()
}

/// Every item of the records, oldest first.
pub fn items_of(state: &AppState, record_ids: &[&str]) -> Result<Vec<EvidenceItem>, ApiError> {
    let mut items = Vec::new();
    for id in record_ids {
        items.extend(state.replica.evidence_for_record(id)?);
    }
    items.sort_by(|a, b| (a.payload.captured_at_ms, &a.entry_hash).cmp(&(b.payload.captured_at_ms, &b.entry_hash)));
    Ok(items)
}
