//! The one encoding of a signed evidence entry outside the store: a JSON array
//! `[entry_hash, payload_json, signature]`, as the push and pull bodies and the server's log
//! carry it. Every reader and writer of that form goes through here.

use super::SignedEntry;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// The array form; a tuple struct is a JSON array in serde.
#[derive(Serialize, Deserialize)]
struct Triple<S>(S, S, S);

impl SignedEntry {
    /// `[entry_hash, payload_json, signature]`.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.triple()).expect("three strings")
    }

    /// Reads `[entry_hash, payload_json, signature]`; anything else is refused, not guessed at.
    pub fn from_json(bytes: &[u8]) -> Result<SignedEntry> {
        let Triple(entry_hash, payload_json, signature) = serde_json::from_slice(bytes)
            .map_err(|_| Error::invalid("evidence entry", "证据记录的格式无法识别，无法读取"))?;
        Ok(SignedEntry { entry_hash, payload_json, signature })
    }

    /// A list of entries, each as `to_json` writes it.
    pub fn list_to_json(entries: &[SignedEntry]) -> Vec<u8> {
        let rows: Vec<Triple<&str>> = entries.iter().map(SignedEntry::triple).collect();
        serde_json::to_vec(&rows).expect("three strings each")
    }

    pub fn list_from_json(bytes: &[u8]) -> Result<Vec<SignedEntry>> {
        let rows: Vec<Triple<String>> =
            serde_json::from_slice(bytes).map_err(|e| Error::CorruptChanges(format!("evidence list: {e}")))?;
        Ok(rows
            .into_iter()
            .map(|Triple(entry_hash, payload_json, signature)| SignedEntry { entry_hash, payload_json, signature })
            .collect())
    }

    fn triple(&self) -> Triple<&str> {
        Triple(&self.entry_hash, &self.payload_json, &self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_back_as_written_and_the_old_form_still_reads() {
        let e = SignedEntry { entry_hash: "ab".into(), payload_json: "{\"a\":\"证\"}".into(), signature: "cd".into() };
        assert_eq!(SignedEntry::from_json(&e.to_json()).unwrap(), e);
        // What servers and phones wrote before this codec: serde_json of `[&str; 3]`.
        let old = serde_json::to_vec(&[e.entry_hash.as_str(), &e.payload_json, &e.signature]).unwrap();
        assert_eq!(old, e.to_json());
        assert_eq!(SignedEntry::list_from_json(&SignedEntry::list_to_json(std::slice::from_ref(&e))).unwrap(), [e]);
        assert!(SignedEntry::from_json(b"{not json").is_err());
        assert!(SignedEntry::from_json(b"[\"a\",\"b\"]").is_err());
    }
}
