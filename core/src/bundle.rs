//! A compact binary bundle of Automerge changes for many documents, used both for
//! store-to-store exchange and in sync requests.
//!
//! Layout: magic `XCB2`, then for each entry: varint id length, id bytes (UTF-8), varint change
//! length, change bytes, varint signer length (0: unsigned), signer device id, and when there
//! is a signer its 64-byte ed25519 signature. Bundles written before signatures (`XCB1`: the
//! same without the signer fields) still decode, unsigned. Changes carry their own checksums;
//! the framing is checked here, the checksums by `check_checksums`.

use crate::doc::{ChangeSignature, MAX_DEVICE_ID_LEN};
use crate::{Error, Result};

const MAGIC_V1: &[u8; 4] = b"XCB1";
const MAGIC: &[u8; 4] = b"XCB2";
/// Refuse absurd sizes before allocating.
const MAX_ID_LEN: u64 = 256;
const MAX_CHANGE_LEN: u64 = 64 * 1024 * 1024;

/// One change of one document, with the signature of the device that made it when known.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleEntry {
    pub doc_id: String,
    pub change: Vec<u8>,
    pub signature: Option<ChangeSignature>,
}

impl BundleEntry {
    pub fn new(doc_id: impl Into<String>, change: Vec<u8>, signature: Option<ChangeSignature>) -> Self {
        BundleEntry { doc_id: doc_id.into(), change, signature }
    }

    /// An entry without a signature.
    pub fn unsigned(doc_id: impl Into<String>, change: Vec<u8>) -> Self {
        Self::new(doc_id, change, None)
    }
}

/// Changes grouped in document order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeBundle {
    pub entries: Vec<BundleEntry>,
}

impl ChangeBundle {
    pub fn encode(&self) -> Vec<u8> {
        let size: usize = self.entries.iter().map(|e| e.doc_id.len() + e.change.len() + 110).sum();
        let mut out = Vec::with_capacity(4 + size);
        out.extend_from_slice(MAGIC);
        for e in &self.entries {
            put_bytes(&mut out, e.doc_id.as_bytes());
            put_bytes(&mut out, &e.change);
            match &e.signature {
                None => put_varint(&mut out, 0),
                Some(sig) => {
                    put_bytes(&mut out, sig.device_id.as_bytes());
                    out.extend_from_slice(&sig.signature);
                }
            }
        }
        out
    }

    pub fn decode(mut bytes: &[u8]) -> Result<ChangeBundle> {
        let bad = |why: &str| Error::CorruptChanges(format!("bundle {why}"));
        let signed = match bytes.get(..4) {
            Some(m) if m == MAGIC => true,
            Some(m) if m == MAGIC_V1 => false,
            _ => return Err(bad("does not start with XCB2 (or XCB1)")),
        };
        bytes = bytes.get(4..).unwrap_or_default();
        let mut entries = Vec::new();
        while !bytes.is_empty() {
            let id_len = take_varint(&mut bytes).ok_or_else(|| bad("has a broken id length"))?;
            if id_len == 0 || id_len > MAX_ID_LEN || id_len as usize > bytes.len() {
                return Err(bad(&format!("entry {} has an id length of {id_len}", entries.len())));
            }
            let (id, rest) = bytes.split_at(id_len as usize);
            let id = std::str::from_utf8(id).map_err(|_| bad("has an id that is not UTF-8"))?.to_owned();
            bytes = rest;
            let len = take_varint(&mut bytes).ok_or_else(|| bad("has a broken change length"))?;
            if len == 0 || len > MAX_CHANGE_LEN || len as usize > bytes.len() {
                return Err(bad(&format!(
                    "entry {} for {id} declares {len} bytes but {} remain",
                    entries.len(),
                    bytes.len()
                )));
            }
            let (change, rest) = bytes.split_at(len as usize);
            bytes = rest;
            let signature =
                if signed { take_signature(&mut bytes).ok_or_else(|| bad("has a broken signature"))? } else { None };
            entries.push(BundleEntry { doc_id: id, change: change.to_vec(), signature });
        }
        Ok(ChangeBundle { entries })
    }
}

/// The optional signature after a change: Some(None) for "unsigned", None if broken.
fn take_signature(bytes: &mut &[u8]) -> Option<Option<ChangeSignature>> {
    let signer = take_bytes(bytes, MAX_DEVICE_ID_LEN as u64)?;
    if signer.is_empty() {
        return Some(None);
    }
    let signer = std::str::from_utf8(signer).ok()?;
    let (sig, rest) = bytes.split_first_chunk::<64>()?;
    *bytes = rest;
    ChangeSignature::new(signer, *sig).ok().map(Some)
}

/// Automerge does not check a change's checksum when it parses one: a change damaged on the
/// way would be taken as a different change with the same actor and sequence number, stored,
/// and the real one refused forever after ("duplicate seq"). Every change that arrives from
/// elsewhere (the wire, another phone) is parsed and its checksum (the first bytes of its
/// hash) compared here.
pub fn check_checksums(bundle: &ChangeBundle) -> Result<()> {
    for e in &bundle.entries {
        let change = crate::doc::parse_change(&e.change)?;
        if e.change.get(4..8) != change.hash().0.get(..4) {
            return Err(Error::CorruptChanges(format!("a change of {} fails its checksum: it was damaged", e.doc_id)));
        }
    }
    Ok(())
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub(crate) fn take_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for i in 0..10 {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Appends a length-prefixed byte string.
pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Takes a length-prefixed byte string of at most `max` bytes.
pub(crate) fn take_bytes<'a>(bytes: &mut &'a [u8], max: u64) -> Option<&'a [u8]> {
    let len = take_varint(bytes)?;
    if len > max || len as usize > bytes.len() {
        return None;
    }
    let (head, rest) = bytes.split_at(len as usize);
    *bytes = rest;
    Some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_truncation() {
        let sig = ChangeSignature::new("d1", [7; 64]).unwrap();
        let b = ChangeBundle {
            entries: vec![
                BundleEntry::unsigned("insp-1", vec![1, 2, 3]),
                BundleEntry::new("case-2", vec![9; 300], Some(sig)),
            ],
        };
        let bytes = b.encode();
        assert_eq!(ChangeBundle::decode(&bytes).unwrap(), b);
        for cut in 0..bytes.len() {
            // Every proper prefix either fails or decodes fewer entries; it never invents data.
            if let Ok(d) = ChangeBundle::decode(&bytes[..cut]) {
                assert!(d.entries.len() < b.entries.len(), "prefix {cut} decoded everything");
            }
        }
        assert!(ChangeBundle::decode(b"nope").is_err());
        let v1 = ChangeBundle::decode(b"XCB1\x06insp-1\x03abc").unwrap();
        assert_eq!(v1.entries, vec![BundleEntry::unsigned("insp-1", b"abc".to_vec())], "old bundles decode unsigned");
    }
}
