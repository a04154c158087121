//! A compact binary bundle of Automerge changes for many documents, used both for
//! store-to-store exchange and in sync requests.
//!
//! Layout: magic `XCB1`, then for each entry: varint id length, id bytes (UTF-8), varint change
//! length, change bytes. Changes carry their own checksums; the framing is checked here.

use crate::{Error, Result};

const MAGIC: &[u8; 4] = b"XCB1";
/// Refuse absurd sizes before allocating.
const MAX_ID_LEN: u64 = 256;
const MAX_CHANGE_LEN: u64 = 64 * 1024 * 1024;

/// Changes grouped in document order: (document id, raw change bytes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeBundle {
    pub entries: Vec<(String, Vec<u8>)>,
}

impl ChangeBundle {
    pub fn encode(&self) -> Vec<u8> {
        let size: usize = self.entries.iter().map(|(id, c)| id.len() + c.len() + 8).sum();
        let mut out = Vec::with_capacity(4 + size);
        out.extend_from_slice(MAGIC);
        for (id, change) in &self.entries {
            put_varint(&mut out, id.len() as u64);
            out.extend_from_slice(id.as_bytes());
            put_varint(&mut out, change.len() as u64);
            out.extend_from_slice(change);
        }
        out
    }

    pub fn decode(mut bytes: &[u8]) -> Result<ChangeBundle> {
        let bad = |why: &str| Error::CorruptChanges(format!("bundle {why}"));
        if bytes.len() < 4 || &bytes[..4] != MAGIC {
            return Err(bad("does not start with XCB1"));
        }
        bytes = &bytes[4..];
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
            entries.push((id, change.to_vec()));
            bytes = rest;
        }
        Ok(ChangeBundle { entries })
    }
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
        let b = ChangeBundle { entries: vec![("insp-1".into(), vec![1, 2, 3]), ("case-2".into(), vec![9; 300])] };
        let bytes = b.encode();
        assert_eq!(ChangeBundle::decode(&bytes).unwrap(), b);
        for cut in 0..bytes.len() {
            // Every proper prefix either fails or decodes fewer entries; it never invents data.
            if let Ok(d) = ChangeBundle::decode(&bytes[..cut]) {
                assert!(d.entries.len() < b.entries.len(), "prefix {cut} decoded everything");
            }
        }
        assert!(ChangeBundle::decode(b"nope").is_err());
    }
}
