//! Signed evidence metadata and the device hash chain.
//!
//! The payload is serialized once, at capture, and those exact bytes are what is hashed,
//! signed and stored: verification never depends on re-serializing. Payloads also arrive from
//! other devices, so `EvidencePayload::decode` checks every field before anything uses one.

use super::{ContentHash, EntryHash, EvidenceKind, ExifSummary, Flag, GpsFix, MAX_OTHER_BYTES, MAX_PHOTO_BYTES};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// What the device signs for one piece of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct EvidencePayload {
    /// Format version of this payload.
    pub v: u32,
    pub device_id: String,
    /// Hex ed25519 public key of the device.
    pub public_key: String,
    /// Position in the device's chain, from 1.
    pub chain_seq: u64,
    /// Entry hash of the device's previous evidence item; None for the first.
    pub prev: Option<EntryHash>,
    /// SHA-256 of the bytes.
    pub content_hash: ContentHash,
    pub kind: EvidenceKind,
    pub mime: String,
    pub size: u64,
    pub record_id: String,
    pub item_id: Option<String>,
    pub officer: String,
    pub cert_no: String,
    /// Device time at capture, ms since the epoch.
    pub captured_at_ms: i64,
    pub gps: Option<GpsFix>,
    pub exif: Option<ExifSummary>,
    pub flags: Vec<Flag>,
    /// Entry hash of the item this one corrects.
    pub corrects: Option<EntryHash>,
}

/// The one payload format version.
pub const PAYLOAD_VERSION: u32 = 1;
/// Longest id, name or certificate number a payload may carry.
const MAX_TEXT_CHARS: usize = 128;

impl EvidencePayload {
    /// Parses signed metadata from elsewhere and checks every field (`validate`).
    pub fn decode(payload_json: &str) -> Result<EvidencePayload> {
        let payload: EvidencePayload = serde_json::from_str(payload_json)
            .map_err(|e| Error::invalid_because("evidence metadata", "证据的签名信息无法读取", e))?;
        payload.validate()?;
        Ok(payload)
    }

    /// The rules every payload keeps, as `ingest` writes them; hashes are checked by their types.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &'static str, why: String| Err(Error::invalid(field, why));
        if self.v != PAYLOAD_VERSION {
            return bad("evidence version", format!("证据格式版本 {} 不是 {PAYLOAD_VERSION}", self.v));
        }
        if !is_hex_id(&self.device_id, 64) {
            return bad("evidence device", format!("{:?} 不是有效的设备编号", shown(&self.device_id)));
        }
        if self.public_key.len() != 64 || !is_hex_id(&self.public_key, 64) {
            return bad("evidence key", "证据中的设备公钥格式不正确".to_owned());
        }
        if self.chain_seq == 0 || self.chain_seq > i64::MAX as u64 {
            return bad("evidence chain", format!("证据链序号 {} 超出范围", self.chain_seq));
        }
        if (self.chain_seq == 1) != self.prev.is_none() {
            return bad("evidence chain", "只有证据链的第一条可以没有上一条".to_owned());
        }
        let (mime_ok, limit) = match self.kind {
            EvidenceKind::Photo => (self.mime == "image/jpeg", MAX_PHOTO_BYTES),
            EvidenceKind::Signature => (self.mime == "image/png", MAX_OTHER_BYTES),
            EvidenceKind::VoiceNote => (
                self.mime.starts_with("audio/")
                    && self.mime.len() <= 64
                    && self.mime.bytes().all(|b| b.is_ascii_graphic()),
                MAX_OTHER_BYTES,
            ),
        };
        if !mime_ok {
            return bad("evidence type", format!("{:?} 不是{}的文件类型", shown(&self.mime), self.kind.label_zh()));
        }
        if self.size == 0 || self.size > limit as u64 {
            return bad(
                "evidence size",
                format!("{}有 {} 字节，超出 1 到 {limit} 字节的范围", self.kind.label_zh(), self.size),
            );
        }
        if !is_record_id(&self.record_id) {
            return bad("evidence record", format!("{:?} 不是有效的记录编号", shown(&self.record_id)));
        }
        for (field, text) in [
            ("evidence item", self.item_id.as_deref()),
            ("evidence officer", Some(&self.officer)),
            ("evidence certificate", Some(&self.cert_no)),
        ] {
            if let Some(t) = text
                && (t.chars().count() > MAX_TEXT_CHARS || t.chars().any(char::is_control))
            {
                return bad(field, format!("{:?} 过长或含有控制字符", shown(t)));
            }
        }
        if self.item_id.as_deref() == Some("") {
            return bad("evidence item", "检查项编号不能为空".to_owned());
        }
        if self.captured_at_ms <= 0 {
            return bad("evidence time", "采集时间早于 1970 年，设备时钟有误".to_owned());
        }
        if let Some(gps) = &self.gps {
            gps.validate()?;
        }
        Ok(())
    }
}

/// A record id as the store makes them (`insp-3f9a…`): lowercase letters, digits, dashes.
pub(crate) fn is_record_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_TEXT_CHARS
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Lowercase hex of whole bytes, at most `max` digits.
fn is_hex_id(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.len().is_multiple_of(2)
        && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// At most 80 characters of a value from elsewhere, for a message.
fn shown(s: &str) -> String {
    s.chars().take(80).collect()
}

/// A stored evidence item: the signed payload text, its hash and signature.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct EvidenceItem {
    /// SHA-256 of `payload_json`: the item's identity and its chain link.
    pub entry_hash: EntryHash,
    /// The exact bytes that were signed.
    pub payload_json: String,
    /// ed25519 signature over `payload_json`, hex.
    pub signature: String,
    pub payload: EvidencePayload,
    /// Whether the bytes are on this device (records may arrive before their photos).
    pub bytes_present: bool,
}

/// An item as stored or sent, before its payload is trusted or even parsed: what verification
/// reads, and what the wire carries.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedEntry {
    pub entry_hash: String,
    pub payload_json: String,
    pub signature: String,
}

impl SignedEntry {
    /// Checks what an entry says of itself: a well-formed entry hash that is the hash of the
    /// payload, a payload whose every field is valid, and a signature by the key it names.
    /// Whether that key is the device's enrolled one is for the caller, who knows the devices.
    pub fn open(&self) -> Result<EvidenceItem> {
        let entry_hash: EntryHash = self.entry_hash.parse()?;
        if EntryHash::of(self.payload_json.as_bytes()) != entry_hash {
            return Err(Error::invalid("evidence metadata", format!("证据信息与其哈希 {entry_hash} 不符，已被改动")));
        }
        let payload = EvidencePayload::decode(&self.payload_json)?;
        if !super::verify::signature_ok(&payload.public_key, &self.signature, self.payload_json.as_bytes()) {
            return Err(Error::invalid(
                "evidence signature",
                format!("证据 {entry_hash} 的签名与其设备公钥不符，已被改动或伪造"),
            ));
        }
        Ok(EvidenceItem {
            entry_hash,
            payload_json: self.payload_json.clone(),
            signature: self.signature.clone(),
            payload,
            bytes_present: false,
        })
    }
}

impl From<&EvidenceItem> for SignedEntry {
    fn from(item: &EvidenceItem) -> SignedEntry {
        SignedEntry {
            entry_hash: item.entry_hash.to_string(),
            payload_json: item.payload_json.clone(),
            signature: item.signature.clone(),
        }
    }
}
