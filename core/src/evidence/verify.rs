//! Offline verification: anyone holding the items, their bytes and (optionally) the device's
//! enrolled public key can check that nothing changed after capture.

use super::{ContentHash, EntryHash, EvidencePayload, SignedEntry};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::Serialize;

/// Which check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum), uniffi(name = "VerifyCheck"))]
pub enum Check {
    /// The bytes do not hash to the content hash.
    Bytes,
    /// The bytes are not there to check.
    MissingBytes,
    /// The payload does not hash to the entry hash, or does not parse.
    Payload,
    /// The signature does not verify with the payload's key.
    Signature,
    /// The payload's key is not the device's enrolled key.
    Key,
    /// The previous-item link or sequence number does not follow the chain.
    ChainLink,
    /// An item the chain or the record refers to is missing.
    MissingItem,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemCheck {
    pub entry_hash: String,
    /// Each failed check and what it found, in Chinese (supervisors and courts read it).
    pub failures: Vec<(Check, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyReport {
    pub items: Vec<ItemCheck>,
    /// Problems that belong to no single item (a gap in a chain).
    pub failures: Vec<(Check, String)>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.failures.is_empty() && self.items.iter().all(|i| i.failures.is_empty())
    }

    /// Every failed check, in order.
    pub fn failed_checks(&self) -> Vec<Check> {
        self.failures.iter().chain(self.items.iter().flat_map(|i| i.failures.iter())).map(|(c, _)| *c).collect()
    }
}

/// Checks each item on its own: payload hash, signature, key, bytes.
/// `bytes` returns an item's bytes if present (failing when they cannot be read);
/// `enrolled_key` is the device key if known.
pub(crate) fn verify_items(
    items: &[SignedEntry],
    bytes: &dyn Fn(&EvidencePayload) -> crate::Result<Option<Vec<u8>>>,
    enrolled_key: &dyn Fn(&str) -> Option<String>,
) -> crate::Result<Vec<ItemCheck>> {
    items.iter().map(|item| verify_one(item, bytes, enrolled_key)).collect()
}

fn verify_one(
    item: &SignedEntry,
    bytes: &dyn Fn(&EvidencePayload) -> crate::Result<Option<Vec<u8>>>,
    enrolled_key: &dyn Fn(&str) -> Option<String>,
) -> crate::Result<ItemCheck> {
    let mut failures = Vec::new();
    if EntryHash::of(item.payload_json.as_bytes()) != item.entry_hash {
        failures.push((Check::Payload, "证据信息与其哈希不符，已被改动".to_owned()));
    }
    match EvidencePayload::decode(&item.payload_json) {
        Err(e) => failures.push((Check::Payload, format!("证据信息无效：{}", e.message_zh()))),
        Ok(p) => {
            if let Some(key) = enrolled_key(&p.device_id)
                && key != p.public_key
            {
                failures.push((Check::Key, format!("签名所用的密钥不是设备 {} 登记的密钥", p.device_id)));
            }
            if !signature_ok(&p.public_key, &item.signature, item.payload_json.as_bytes()) {
                failures.push((Check::Signature, "签名验证不通过".to_owned()));
            }
            match bytes(&p)? {
                None => failures.push((Check::MissingBytes, format!("缺少{}文件，无法核对", p.kind.label_zh()))),
                Some(b) if ContentHash::of(&b) != p.content_hash => failures.push((
                    Check::Bytes,
                    format!("{}文件（{} 字节）与其哈希不符，已被改动", p.kind.label_zh(), b.len()),
                )),
                Some(_) => {}
            }
        }
    }
    Ok(ItemCheck { entry_hash: item.entry_hash.clone(), failures })
}

pub(super) fn signature_ok(public_key_hex: &str, signature_hex: &str, message: &[u8]) -> bool {
    let Ok(Ok(key)) = hex::decode(public_key_hex).map(|k| <[u8; 32]>::try_from(k.as_slice()).map_err(|_| ())) else {
        return false;
    };
    let Ok(Ok(sig)) = hex::decode(signature_hex).map(|s| <[u8; 64]>::try_from(s.as_slice()).map_err(|_| ())) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&key) else { return false };
    key.verify(message, &Signature::from_bytes(&sig)).is_ok()
}

/// Checks that `chain` (one device's items, any order) links from 1 without gaps. Items whose
/// payload does not parse are reported by `verify_items` and show here as gaps.
pub(crate) fn verify_chain_links(chain: &[SignedEntry]) -> Vec<(Check, String)> {
    let mut parsed: Vec<(&SignedEntry, EvidencePayload)> =
        chain.iter().filter_map(|e| Some((e, EvidencePayload::decode(&e.payload_json).ok()?))).collect();
    parsed.sort_by_key(|(_, p)| p.chain_seq);
    let mut failures = Vec::new();
    let mut expected_prev: Option<&str> = None;
    let mut expected_seq = 1;
    for (item, p) in &parsed {
        if p.chain_seq != expected_seq {
            failures.push((
                Check::MissingItem,
                format!("设备 {} 的第 {expected_seq} 至第 {} 条证据缺失", p.device_id, p.chain_seq.saturating_sub(1)),
            ));
        } else if p.prev.as_deref() != expected_prev {
            failures.push((
                Check::ChainLink,
                format!(
                    "设备 {} 的第 {} 条证据没有接在第 {} 条之后（证据链断开）",
                    p.device_id,
                    p.chain_seq,
                    expected_seq.saturating_sub(1)
                ),
            ));
        }
        expected_prev = Some(&item.entry_hash);
        expected_seq = p.chain_seq + 1;
    }
    failures
}

/// Checks a signed entry's metadata without its bytes: payload hash, signature, and the key
/// against the device's enrolled key when known. Returns the payload when all hold.
pub fn verify_signed_entry(entry: &SignedEntry, enrolled_key: Option<&str>) -> Result<EvidencePayload, String> {
    let item = entry.open().map_err(|e| format!("证据 {}：{}", shown(&entry.entry_hash), e.message_zh()))?;
    if let Some(key) = enrolled_key
        && key != item.payload.public_key
    {
        return Err(format!("证据 {}：签名所用的密钥不是设备 {} 登记的密钥", item.entry_hash, item.payload.device_id));
    }
    Ok(item.payload)
}

/// At most 80 characters of a value from elsewhere, for a message.
fn shown(s: &str) -> String {
    s.chars().take(80).collect()
}
