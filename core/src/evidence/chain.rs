//! Signed evidence metadata and the device hash chain.
//!
//! The payload is serialized once, at capture, and those exact bytes are what is hashed,
//! signed and stored: verification never depends on re-serializing.

use super::{ExifSummary, Flag, GpsFix};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What the device signs for one piece of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidencePayload {
    /// Format version of this payload.
    pub v: u32,
    pub device_id: String,
    /// Hex ed25519 public key of the device.
    pub public_key: String,
    /// Position in the device's chain, from 1.
    pub chain_seq: u64,
    /// Entry hash of the device's previous evidence item; None for the first.
    pub prev: Option<String>,
    /// SHA-256 of the bytes, hex.
    pub content_hash: String,
    pub kind: String,
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
    pub corrects: Option<String>,
}

/// A stored evidence item: the signed payload text, its hash and signature.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceItem {
    /// SHA-256 of `payload_json`, hex: the item's identity and its chain link.
    pub entry_hash: String,
    /// The exact bytes that were signed.
    pub payload_json: String,
    /// ed25519 signature over `payload_json`, hex.
    pub signature: String,
    pub payload: EvidencePayload,
    /// Whether the bytes are on this device (records may arrive before their photos).
    pub bytes_present: bool,
}

/// An item as stored, before its payload is trusted or even parsed: what verification reads.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedEntry {
    pub entry_hash: String,
    pub payload_json: String,
    pub signature: String,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn entry_hash(payload_json: &str) -> String {
    sha256_hex(payload_json.as_bytes())
}
